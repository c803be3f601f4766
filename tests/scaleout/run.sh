#!/usr/bin/env bash
# Scale-out on one machine: three GraphGrpc servers on loopback ports and a Python grpcio client
# balancing round_robin over them, which kills the third mid-run (tests/scaleout/client.py).
#
# Usage: bash tests/scaleout/run.sh PUBLISH_DIR
# PUBLISH_DIR holds the server and, in cli/, the graphgrpc command, published as
# deploy/docker/Dockerfile publishes them; each server runs from there as in the container.
# With KEEP_LOGS=DIR set, the servers' logs are copied to DIR at the end.
set -euo pipefail
publish=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ -n "${KEEP_LOGS:-}" ] && cp -r "$work" "$KEEP_LOGS"; rm -rf "$work"
}
trap cleanup EXIT

mapfile -t ports < <(/usr/bin/python3 -c '
import socket
sockets = [socket.socket() for _ in range(3)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in sockets))')

for i in 0 1 2; do
  (cd "$publish" && exec dotnet GraphGrpc.Server.dll --urls "http://127.0.0.1:${ports[i]}" --GraphGrpc:DrainTime=00:00:02) \
    > "$work/server-$i.log" 2>&1 &
  pids+=($!)
done

# Ready when the container's HEALTHCHECK command says so: at most 60 tries, half a second apart.
for i in 0 1 2; do
  for attempt in $(seq 60); do
    if dotnet "$publish/cli/graphgrpc.dll" health --server "http://127.0.0.1:${ports[i]}" --timeout 2 > /dev/null 2>&1; then
      break
    fi
    if ! kill -0 "${pids[i]}" 2>/dev/null || [ "$attempt" -eq 60 ]; then
      echo "server $((i + 1)) on port ${ports[i]} did not become SERVING:" >&2
      cat "$work/server-$i.log" >&2
      exit 1
    fi
    sleep 0.5
  done
done

status=0
/usr/bin/python3 "$root/tests/scaleout/client.py" \
  --ports "$(IFS=,; echo "${ports[*]}")" \
  --logs "$work/server-0.log,$work/server-1.log,$work/server-2.log" \
  --kill_pid "${pids[2]}" --repo_root "$root" || status=$?
if [ "$status" -ne 0 ]; then
  for i in 0 1 2; do
    echo "--- server $((i + 1)) log (last 20 lines)" >&2
    tail -n 20 "$work/server-$i.log" >&2
  done
fi
exit "$status"
