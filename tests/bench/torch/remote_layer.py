"""A served block as a PyTorch layer (graphgrpc.torch.RemoteModule) against the same block in torch:
where a training step's time goes. A report, not a test, and nothing here asserts a time.

1. The example model of src/clients/python/examples/train_remote_layer.py (Linear(3, 16), the block
   tanh(h @ w + b), Linear(16, 1); batch 512, Adam, MSE) trained for 100 steps with the block
   remote, and the same model wholly in torch from the same starting weights, step for step by
   turns. Per step: the whole step, the server's evaluation (BatchSummary.evaluate_time), the
   wire and the client (the rest of the EvaluateBatch calls) and torch with the layer's own Python
   (the rest of the step).
2. A 200-node elementwise block (a random DAG over three inputs, as the suite's G2) at a batch of
   65,536 points: forward and backward through RemoteFunction against torch autograd, the same
   breakdown.

    /usr/bin/python3 tests/bench/torch/remote_layer.py --server 127.0.0.1:50051 [--steps 100] [--block-points 65536]
"""
import argparse
import os
import statistics
import sys
import time

import grpc
import numpy as np
import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "src", "clients", "python"))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "src", "clients", "python", "examples"))
from graphgrpc import Client, Graph  # noqa: E402
from graphgrpc.torch import RemoteModule  # noqa: E402
from graphgrpc.v1 import evaluator_pb2_grpc  # noqa: E402
from train_remote_layer import make_data, remote_block  # noqa: E402


class TimedClient(Client):
    """A Client that adds up the wall time of its evaluate_batch calls and the server's own
    evaluation time, which each batch summary carries. The client keeps the summary's
    evaluate_time to itself, so a channel interceptor reads it on the way."""

    def __init__(self, address):
        super().__init__(address, timeout=120)
        self.call_seconds = 0.0
        self.server_seconds = 0.0
        self.wire_bytes = 0
        self._stub = evaluator_pb2_grpc.GraphEvaluatorStub(grpc.intercept_channel(self.channel, _SummaryTimes(self)))

    def evaluate_batch(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return super().evaluate_batch(*args, **kwargs)
        finally:
            self.call_seconds += time.perf_counter() - start

    def take(self):
        """(call seconds, server seconds, message bytes both ways) since the last take."""
        taken = self.call_seconds, self.server_seconds, self.wire_bytes
        self.call_seconds = self.server_seconds = 0.0
        self.wire_bytes = 0
        return taken


class _SummaryTimes(grpc.StreamStreamClientInterceptor):
    def __init__(self, client):
        self._client = client

    def intercept_stream_stream(self, continuation, details, requests):
        return _WatchedCall(continuation(details, self._counted(requests)), self._client)

    def _counted(self, requests):
        for request in requests:
            self._client.wire_bytes += request.ByteSize()
            yield request


class _WatchedCall:
    """The call as grpc returns it, counting the bytes of each response and adding each batch
    summary's evaluate_time to the client's."""

    def __init__(self, call, client):
        self._call = call
        self._client = client

    def __iter__(self):
        return self

    def __next__(self):
        response = next(self._call)
        self._client.wire_bytes += response.ByteSize()
        if response.WhichOneof("message") == "summary":
            self._client.server_seconds += response.summary.evaluate_time.ToTimedelta().total_seconds()
        return response

    def __getattr__(self, name):
        return getattr(self._call, name)


class LocalBlock(nn.Module):
    """tanh(h @ w + b) in torch, from the same starting values as the remote block."""

    def __init__(self, remote):
        super().__init__()
        self.w = nn.Parameter(remote.parameter("w").detach().clone())
        self.b = nn.Parameter(remote.parameter("b").detach().clone())

    def forward(self, h):
        return torch.tanh(h @ self.w + self.b)


def models(client, width=16):
    """The example's model with its block remote, and the same model with it local, equal at the start."""
    torch.manual_seed(0)
    first = nn.Linear(3, width).double()
    block = remote_block(client, width, np.random.default_rng(1))
    last = nn.Linear(width, 1).double()
    remote = nn.Sequential(first, block, last)
    local = nn.Sequential(nn.Linear(3, width).double(), LocalBlock(block), nn.Linear(width, 1).double())
    local[0].load_state_dict(first.state_dict())
    local[2].load_state_dict(last.state_dict())
    return remote, local


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x).squeeze(1), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def milliseconds(seconds):
    return f"{1000 * statistics.median(seconds):9.3f} {1000 * statistics.fmean(seconds):9.3f}"


def print_breakdown(remote_steps, calls, server, wire_bytes, local_steps):
    wire = [c - s for c, s in zip(calls, server)]
    rest = [t - c for t, c in zip(remote_steps, calls)]
    print(f"  {'':34} {'median ms':>9} {'mean ms':>9}")
    print(f"  {'remote step':34} {milliseconds(remote_steps)}")
    print(f"  {'  server (evaluate_time)':34} {milliseconds(server)}")
    print(f"  {'  wire and client (grpcio, numpy)':34} {milliseconds(wire)}")
    print(f"  {'  torch and the layer in Python':34} {milliseconds(rest)}")
    print(f"  {'local step (wholly torch)':34} {milliseconds(local_steps)}")
    print(f"  messages per remote step, both ways: {statistics.median(wire_bytes) / 2**20:.2f} MiB")
    print(f"  remote / local, medians: {statistics.median(remote_steps) / statistics.median(local_steps):.2f}")


def example_model(client, steps, points):
    x, y = make_data(points)
    remote, local = models(client)
    optimizers = [torch.optim.Adam(m.parameters(), lr=0.02) for m in (remote, local)]
    remote_steps, calls, server, wire_bytes, local_steps, worst = [], [], [], [], [], 0.0
    client.take()
    for _ in range(steps):
        start = time.perf_counter()
        remote_loss = train_step(remote, optimizers[0], x, y)
        remote_steps.append(time.perf_counter() - start)
        call, evaluate, sent = client.take()
        calls.append(call)
        server.append(evaluate)
        wire_bytes.append(sent)
        start = time.perf_counter()
        local_loss = train_step(local, optimizers[1], x, y)
        local_steps.append(time.perf_counter() - start)
        worst = max(worst, abs(remote_loss - local_loss) / abs(local_loss))
    print(f"1. the example model, batch {points}, {steps} steps of Adam; the two losses agree to a relative "
          f"{worst:.1e} at every step; final loss {local_loss:.6f}")
    print_breakdown(remote_steps, calls, server, wire_bytes, local_steps)


def random_block(nodes, seed=2024):
    """A random elementwise DAG of `nodes` op nodes over three scalar inputs, as a list of
    (op, operand indices); the ops keep values bounded, as the suite's G2 does."""
    rng = np.random.default_rng(seed)
    binary, unary = ("add", "mul", "sub"), ("sin", "tanh", "sigmoid", "gauss")
    spec = []
    for i in range(nodes):
        available = 3 + i
        if rng.random() < 0.5:
            spec.append((binary[rng.integers(3)], (int(rng.integers(available)), int(rng.integers(available)))))
        else:
            spec.append((unary[rng.integers(4)], (int(rng.integers(available)),)))
    return spec


def build_block(spec, ops):
    """Builds the DAG with `ops` (a graphgrpc Graph's nodes or torch tensors); returns the sum of its sinks."""
    values = list(ops["inputs"])
    used = set()
    for op, operands in spec:
        args = [values[i] for i in operands]
        used.update(operands)
        values.append(ops[op](*args))
    sinks = [v for i, v in enumerate(values) if i >= 3 and i not in used]
    total = sinks[0]
    for sink in sinks[1:]:
        total = ops["add"](total, sink)
    return total


def block_200(client, points, rounds):
    spec = random_block(200)
    g = Graph()
    h = [g.input(f"h{i}", 0.0) for i in range(3)]
    graph_ops = {"inputs": h, "add": g.add, "mul": g.mul, "sub": g.sub, "sin": g.sin, "tanh": g.tanh,
                 "sigmoid": g.sigmoid, "gauss": lambda a: g.exp(g.neg(g.square(a)))}
    layer = RemoteModule(build_block(spec, graph_ops), inputs=h, client=client, name="block200")
    torch_ops = {"add": torch.add, "mul": torch.mul, "sub": torch.sub, "sin": torch.sin, "tanh": torch.tanh,
                 "sigmoid": torch.sigmoid, "gauss": lambda a: torch.exp(-(a * a))}

    rng = np.random.default_rng(7)
    columns = [torch.tensor(rng.uniform(-1, 1, points), requires_grad=True) for _ in range(3)]
    seed = torch.tensor(rng.uniform(-1, 1, points))

    def remote():
        out = layer(*columns)
        return out, torch.autograd.grad(out, columns, seed)

    def local():
        out = build_block(spec, dict(torch_ops, inputs=columns))
        return out, torch.autograd.grad(out, columns, seed)

    (ours, our_grads), (theirs, their_grads) = remote(), local()
    worst = max(float(torch.max(torch.abs(a - b) / torch.clamp(torch.abs(b), min=1e-300)))
                for a, b in zip([ours, *our_grads], [theirs, *their_grads]))
    remote_steps, calls, server, wire_bytes, local_steps = [], [], [], [], []
    client.take()
    for _ in range(rounds):
        start = time.perf_counter()
        remote()
        remote_steps.append(time.perf_counter() - start)
        call, evaluate, sent = client.take()
        calls.append(call)
        server.append(evaluate)
        wire_bytes.append(sent)
        start = time.perf_counter()
        local()
        local_steps.append(time.perf_counter() - start)
    print(f"2. a 200-node elementwise block at {points} points, forward and backward (a VJP), {rounds} rounds; "
          f"values and gradients agree with torch's to a relative {worst:.1e}")
    print_breakdown(remote_steps, calls, server, wire_bytes, local_steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--points", type=int, default=512, help="the example model's batch")
    parser.add_argument("--block-points", type=int, default=65_536)
    parser.add_argument("--block-rounds", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count())
    print(f"load average at start: {open('/proc/loadavg').read().strip()} ({os.cpu_count()} cores; "
          "trust the figures only below 2)")
    with TimedClient(args.server) as client:
        example_model(client, args.steps, args.points)
        block_200(client, args.block_points, args.block_rounds)
    print(f"load average at end: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()
