#!/usr/bin/env bash
# Builds the grpc-go interop client with Debian's Go and grpc-go, in GOPATH mode.
# Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../../protos"
output="$1"
gopath="$(mktemp -d)"
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/interopclient"
protoc -I "$protos" --go_out=plugins=grpc:"$gopath/src" grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto
cp "$here/interop_client.go" "$gopath/src/interopclient/main.go"
cd "$gopath/src/interopclient"
# The build cache outlives this run where the environment allows, which makes later builds quick.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
  export GOCACHE="$gopath/cache"
fi
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" go build -o "$output" .
