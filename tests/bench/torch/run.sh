#!/usr/bin/env bash
# The remote-layer report (remote_layer.py): builds and starts the server as shipped on a loopback
# port of its own, runs the report against it, and stops it. Not a test.
#
# Usage: tests/bench/torch/run.sh [remote_layer.py options, e.g. --steps 100 --block-points 65536]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
port=50181
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$here/../../../src/GraphGrpc.Server" -c Release -o "$work/server" -v quiet -nologo
"$work/server/GraphGrpc.Server" --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning &
server=$!
sleep 3
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$here/remote_layer.py" --server "127.0.0.1:$port" "$@"
