#!/usr/bin/env bash
# Generates the Go stubs for protos/graphgrpc/v1 with Debian's protoc-gen-go 1.3.5 (plugins=grpc),
# and the messages of the vendored protos/onnx/onnx.proto for the ONNX importer (package onnx).
# Usage: generate.sh [OUTPUT_DIR [ONNX_OUTPUT_DIR]]. Without arguments it rewrites the checked-in
# stubs in v1/ and onnx/; with them it writes the v1 stubs to OUTPUT_DIR, and the ONNX ones to
# ONNX_OUTPUT_DIR when it is given, so a test can compare them with the checked-in ones.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../../protos"
output="${1:-$here/v1}"
onnx_output="${2:-}"
[ $# -gt 0 ] || onnx_output="$here/onnx"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# This generator targets golang/protobuf APIv1, so the well-known types map to its ptypes packages.
wkt="Mgoogle/protobuf/wrappers.proto=github.com/golang/protobuf/ptypes/wrappers,Mgoogle/protobuf/duration.proto=github.com/golang/protobuf/ptypes/duration"
protoc -I "$protos" --go_out=plugins=grpc,"$wkt":"$work" graphgrpc/v1/graph.proto graphgrpc/v1/evaluator.proto
mkdir -p "$output"
# go_package "graphgrpc/v1" puts the files at graphgrpc/v1 under the output root.
cp "$work"/graphgrpc/v1/*.pb.go "$output"/

if [ -n "$onnx_output" ]; then
  # onnx.proto has no go_package: M puts it at graphgrpc/onnx, beside the importer that reads it.
  protoc -I "$protos" --go_out=Monnx/onnx.proto=graphgrpc/onnx:"$work" onnx/onnx.proto
  mkdir -p "$onnx_output"
  cp "$work"/onnx/onnx.pb.go "$onnx_output"/
fi
