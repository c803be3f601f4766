#!/usr/bin/env bash
# G1 over EvaluateBatch from the Python client (grpcio + numpy), over loopback TCP and over a Unix
# domain socket, each against PyTorch in the client's process (not a test). Builds and starts the
# server as shipped, listening on both.
#
# Usage: tests/bench/python/run.sh [rounds]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rounds="${1:-15}"
work="$(mktemp -d)"
port=50161
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$here/../../../src/GraphGrpc.Server" -c Release -o "$work/server" -v quiet -nologo
"$work/server/GraphGrpc.Server" --urls "http://127.0.0.1:$port;http://unix:$work/graphgrpc.sock" --Logging:LogLevel:Default=Warning &
server=$!
sleep 3
/usr/bin/python3 "$here/g1_over_grpc.py" --server "127.0.0.1:$port" --rounds "$rounds"
/usr/bin/python3 "$here/g1_over_grpc.py" --server "unix:$work/graphgrpc.sock" --rounds "$rounds"
