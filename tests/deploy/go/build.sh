#!/usr/bin/env bash
# Builds the grpc-go TLS and token client with Debian's Go and grpc-go, in GOPATH mode.
# Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../../protos"
output="$1"
gopath="$(mktemp -d)"
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/secureclient"
# As tests/server/go/build.sh: the well-known types map to Debian's golang/protobuf packages.
wkt="Mgoogle/protobuf/wrappers.proto=github.com/golang/protobuf/ptypes/wrappers,Mgoogle/protobuf/duration.proto=github.com/golang/protobuf/ptypes/duration"
protoc -I "$protos" --go_out=plugins=grpc,"$wkt":"$gopath/src" graphgrpc/v1/graph.proto graphgrpc/v1/evaluator.proto
cp "$here/secure_client.go" "$gopath/src/secureclient/main.go"
cd "$gopath/src/secureclient"
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" go build -o "$output" .
