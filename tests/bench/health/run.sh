#!/usr/bin/env bash
# Health benchmark (not a test): unary grpc.health.v1.Health/Check requests per second of the
# GraphGrpc server as shipped (grpc-dotnet on Kestrel, its interceptor and telemetry included)
# against grpc-go's own health server, both loaded by h2load with the same settings in the same run. Each server is pinned to CPU 0 and h2load to CPU 1, so each side
# gets one core of this 2-core machine. Prints both rates and the ratio (.NET / grpc-go).
#
# Usage: tests/bench/health/run.sh [requests] [connections] [streams-per-connection]
# Extra server settings go in GRAPHGRPC_ARGS, e.g. GRAPHGRPC_ARGS=--GraphGrpc:Telemetry:SamplingRatio=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
requests="${1:-200000}"
connections="${2:-8}"
streams="${3:-32}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

dotnet_port=50151
go_port=50152

echo "building the GraphGrpc server and the grpc-go server..."
dotnet build "$here/../../../src/GraphGrpc.Server" -c Release -o "$work/dotnet" -v quiet -nologo
GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/go_health_server" "$here/go_health_server.go"

# A HealthCheckRequest for the whole server ("" service) is the empty message: a 5-byte frame of zeros.
printf '\x00\x00\x00\x00\x00' > "$work/request.bin"

# shellcheck disable=SC2086 # GRAPHGRPC_ARGS is a list of arguments
# Per-call log lines off: grpc-go logs nothing either.
taskset -c 0 "$work/dotnet/GraphGrpc.Server" --urls "http://127.0.0.1:$dotnet_port" --Logging:LogLevel:Default=Warning ${GRAPHGRPC_ARGS:-} &
pids+=($!)
taskset -c 0 "$work/go_health_server" -port "$go_port" &
pids+=($!)
sleep 3

load() { # port requests -> requests per second
  taskset -c 1 h2load -n "$2" -c "$connections" -m "$streams" -t 1 -d "$work/request.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$1/grpc.health.v1.Health/Check" > "$work/h2load.out"
  # Every answer must be HTTP 200 carrying the 7-byte SERVING message (a gRPC error would carry no DATA).
  if ! grep -q "0 failed, 0 errored" "$work/h2load.out" || ! grep -q "status codes: $2 2xx" "$work/h2load.out" \
    || ! grep -q "($(($2 * 7))) data" "$work/h2load.out"; then
    cat "$work/h2load.out" >&2
    echo "h2load saw failed requests on port $1" >&2
    exit 1
  fi
  awk '/^finished in/ { print $4 }' "$work/h2load.out"
}

echo "warming up (JIT, connection pools)..."
load "$dotnet_port" "$((requests / 4))" >/dev/null
load "$go_port" "$((requests / 4))" >/dev/null

# Rounds alternate between the servers, so background load on this shared machine hits both alike;
# the median of each side's rounds is what counts.
dotnet_rates=()
go_rates=()
for round in 1 2 3 4 5; do
  d="$(load "$dotnet_port" "$requests")"
  g="$(load "$go_port" "$requests")"
  echo "round $round: GraphGrpc $d req/s, grpc-go $g req/s"
  dotnet_rates+=("$d")
  go_rates+=("$g")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
median_dotnet="$(median "${dotnet_rates[@]}")"
median_go="$(median "${go_rates[@]}")"

echo "load average: $(cut -d" " -f1-3 /proc/loadavg)"
echo "h2load: $requests requests, $connections connections, $streams concurrent streams each, 1 thread"
echo "median GraphGrpc:  $median_dotnet req/s"
echo "median grpc-go:             $median_go req/s"
awk -v a="$median_dotnet" -v b="$median_go" 'BEGIN { printf "ratio (GraphGrpc / grpc-go): %.2f\n", a / b }'
