#!/usr/bin/env bash
# Generates the Go stubs for protos/graphgrpc/v1 with Debian's protoc-gen-go 1.3.5 (plugins=grpc).
# Usage: generate.sh [OUTPUT_DIR]. Without an argument it rewrites the checked-in stubs in v1/;
# with one it writes them there, so a test can compare the two.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../../protos"
output="${1:-$here/v1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# This generator targets golang/protobuf APIv1, so the well-known types map to its ptypes packages.
wkt="Mgoogle/protobuf/wrappers.proto=github.com/golang/protobuf/ptypes/wrappers,Mgoogle/protobuf/duration.proto=github.com/golang/protobuf/ptypes/duration"
protoc -I "$protos" --go_out=plugins=grpc,"$wkt":"$work" graphgrpc/v1/graph.proto graphgrpc/v1/evaluator.proto
mkdir -p "$output"
# go_package "graphgrpc/v1" puts the files at graphgrpc/v1 under the output root.
cp "$work"/graphgrpc/v1/*.pb.go "$output"/
