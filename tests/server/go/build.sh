#!/usr/bin/env bash
# Builds the grpc-go seed client with Debian's Go and grpc-go, in GOPATH mode.
# Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../../protos"
output="$1"
gopath="$(mktemp -d)"
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/seedclient"
# go_package puts the stubs at graphgrpc/v1; google.rpc.Status comes with Debian's genproto. The
# well-known types map to the packages of Debian's golang/protobuf, which this generator targets.
wkt="Mgoogle/protobuf/wrappers.proto=github.com/golang/protobuf/ptypes/wrappers,Mgoogle/protobuf/duration.proto=github.com/golang/protobuf/ptypes/duration"
protoc -I "$protos" --go_out=plugins=grpc,"$wkt":"$gopath/src" graphgrpc/v1/graph.proto graphgrpc/v1/evaluator.proto
cp "$here/seed_client.go" "$gopath/src/seedclient/main.go"
cd "$gopath/src/seedclient"
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" go build -o "$output" .
