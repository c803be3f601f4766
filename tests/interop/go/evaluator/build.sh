#!/usr/bin/env bash
# Builds the grpc-go GraphEvaluator client with Debian's Go and grpc-go, in GOPATH mode, against the
# graphgrpc/v1 stubs checked in with the Go client (a test keeps them in step with protos/).
# Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
output="$1"
gopath="$(mktemp -d)"
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/evaluatorclient"
ln -s "$root/src/clients/go" "$gopath/src/graphgrpc"
cp "$here"/*.go "$gopath/src/evaluatorclient/"
cd "$gopath/src/evaluatorclient"
# The build cache outlives this run where the environment allows, which makes later builds quick.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
  export GOCACHE="$gopath/cache"
fi
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" go build -o "$output" .
