#!/usr/bin/env bash
# Builds one Go command against the project's Go client with Debian's Go and grpc-go, in GOPATH
# mode. The graphgrpc/v1 stubs are the ones checked in with the client (a test keeps them in step
# with protos/), so no build regenerates them.
# Usage: build-go-command.sh MAIN_GO OUTPUT_BINARY
set -euo pipefail
main="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
output="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
gopath="$(mktemp -d)"
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/command"
ln -s "$root/src/clients/go" "$gopath/src/graphgrpc"
cp "$main" "$gopath/src/command/main.go"
cd "$gopath/src/command"
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" go build -o "$output" .
