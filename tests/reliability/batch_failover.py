"""A batch stream on server A, which is killed mid-stream, resumed on server B by graphgrpc.failover.

    /usr/bin/python3 tests/reliability/batch_failover.py --first HOST:PORT --first-pid PID --second HOST:PORT

The reference is the whole batch computed by B alone. The failover run streams to A, kills A (SIGKILL)
once a few results have come back, and must then deliver every chunk's result exactly once, each
equal to B's answer bit for bit, some from A and the rest from B. Prints PASS or FAIL with figures.
"""
import argparse
import os
import signal
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src", "clients", "python"))
from graphgrpc import Client, Graph  # noqa: E402
from graphgrpc.failover import stream_batch_failover  # noqa: E402

CHUNKS, POINTS, KILL_AFTER = 120, 8192, 10


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--first", required=True)
    parser.add_argument("--first-pid", type=int, required=True)
    parser.add_argument("--second", required=True)
    args = parser.parse_args()

    # Seed 002: z = log(3x² + 5xy), its value and both gradients per point.
    g = Graph()
    x, y = g.input("x", 1.0), g.input("y", 1.0)
    z = g.log(3 * x * x + 5 * x * y)
    rng = np.random.default_rng(2)
    chunks = [{"x": rng.uniform(0.5, 2.0, POINTS), "y": rng.uniform(0.5, 2.0, POINTS)} for _ in range(CHUNKS)]

    with Client(args.first, timeout=120) as a, Client(args.second, timeout=120) as b:
        reference = [r for r, _ in stream_batch_failover([b], z, chunks, wrt=[x, y])]
        delivered, servers = {}, []
        for result, server in stream_batch_failover([a, b], z, chunks, wrt=[x, y]):
            delivered.setdefault(result.sequence, []).append(result)
            servers.append(server)
            if len(servers) == KILL_AFTER:
                os.kill(args.first_pid, signal.SIGKILL)

    problems = []
    for sequence in range(CHUNKS):
        results = delivered.get(sequence, [])
        if len(results) != 1:
            problems.append(f"chunk {sequence} delivered {len(results)} times")
            continue
        got, want = results[0], reference[sequence]
        for kind in ("outputs", "gradients"):
            for key in getattr(want, kind):
                if getattr(got, kind)[key].tobytes() != getattr(want, kind)[key].tobytes():
                    problems.append(f"chunk {sequence}: {kind} of {key} differ from the reference")
    from_first = sum(1 for s in servers if s == a.address)
    if from_first < KILL_AFTER or from_first == len(servers):
        problems.append(f"{from_first} of {len(servers)} results came from the first server: the kill did not land mid-stream")
    figures = f"{CHUNKS} chunks of {POINTS} points, {from_first} from {args.first} before it was killed, {len(servers) - from_first} from {args.second}"
    if problems:
        print(f"FAIL batch_failover: {'; '.join(problems[:5])}; {figures}")
        return 1
    print(f"PASS batch_failover: every chunk exactly once, bit for bit as the reference: {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
