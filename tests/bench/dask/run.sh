#!/usr/bin/env bash
# G1 over 10^8 points in files on disk: graphgrpc.dask on a LocalCluster of two workers over two
# servers, against one EvaluateBatch stream, with each process's peak memory (not a test). Builds the
# server as shipped; bench.py starts the servers it needs.
#
# Usage: tests/bench/dask/run.sh [--points N] [--chunk-points C] [--threads T] ...   (bench.py --help)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet build "$here/../../../src/GraphGrpc.Server" -c Release -o "$work/server" -v quiet -nologo
/usr/bin/python3 "$here/bench.py" --server-dll "$work/server/GraphGrpc.Server.dll" "$@"
