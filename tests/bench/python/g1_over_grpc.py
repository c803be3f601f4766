"""G1 (seed 002, z = log(3x² + 5xy)) at 1,000,000 points: the Python client's evaluate_batch over
a running server against PyTorch in this process at its best (leaves made once,
torch.autograd.grad, all cores), interleaved round by round; medians. Not a test.

    /usr/bin/python3 tests/bench/python/g1_over_grpc.py --server 127.0.0.1:50051 [--rounds 15]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "src", "clients", "python"))
from graphgrpc import Client, Graph  # noqa: E402

POINTS = 1_000_000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--chunk-size", type=int, default=None)
    args = parser.parse_args()
    print(f"load average at start: {open('/proc/loadavg').read().strip()}")
    torch.set_num_threads(os.cpu_count())

    rng = np.random.default_rng(2024)
    xs, ys = rng.uniform(0.5, 2, POINTS), rng.uniform(0.5, 2, POINTS)
    g = Graph()
    x, y = g.input("x", 1.0), g.input("y", 1.0)
    z = g.log(3 * x**2 + 5 * x * y)

    tx = torch.tensor(xs, requires_grad=True)
    ty = torch.tensor(ys, requires_grad=True)

    def reference():
        tz = torch.log(3 * tx**2 + 5 * tx * ty)
        gx, gy = torch.autograd.grad(tz, (tx, ty), torch.ones_like(tz))
        return tz.detach().numpy(), gx.numpy(), gy.numpy()

    with Client(args.server) as client:
        def ours():
            result = client.evaluate_batch(z, inputs={x: xs, y: ys}, wrt=[x, y], chunk_size=args.chunk_size)
            return result.outputs[z], result.gradients[x], result.gradients[y]

        mine, theirs = ours(), reference()
        worst = max(float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))) for a, b in zip(mine, theirs))
        print(f"values and gradients agree with PyTorch's to a relative {worst:.1e}")

        times = {"ours": [], "torch": []}
        for _ in range(args.rounds):
            for name, run in (("ours", ours), ("torch", reference)):
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)

    ours_ms = statistics.median(times["ours"]) * 1e3
    torch_ms = statistics.median(times["torch"]) * 1e3
    print(f"load average at end: {open('/proc/loadavg').read().strip()}")
    print(f"G1 EvaluateBatch over {args.server}, Python grpcio + numpy raw bytes: {ours_ms:.2f} ms; "
          f"PyTorch in-process {torch_ms:.2f} ms; ratio {torch_ms / ours_ms:.2f} (goal ≥0.5); median of {args.rounds}")


if __name__ == "__main__":
    main()
