"""PyTorch's side of the benchmark suite: evaluates the very graph files the .NET side wrote.

Usage: torch_suite.py DIR. DIR/cases.json names each case's graph file (protobuf JSON), its batch
columns (raw little-endian float64 files, one per batch input), its outputs and its wrt nodes. The
graphs are interpreted node by node, generically; a batch input becomes a tensor of all its points,
so every op runs once, vectorized over the points, and autograd gives the gradients.

After printing "ready", it answers one command per line on stdin with one JSON line:
  time CASE   seconds for one forward and backward pass
  sums CASE   the sum of each output, then of each gradient, for a cross-check
"""
import json
import os
import pathlib
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(os.cpu_count())

UNARY = {
    "neg": torch.neg, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "square": torch.square,
    "abs": torch.abs, "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    "relu": torch.relu,
}
BINARY = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "maximum": torch.maximum, "minimum": torch.minimum, "matmul": torch.matmul,
}
REDUCTION = {"REDUCTION_SUM": "sum"}


def tensor(value):
    # int64 dims arrive as JSON strings.
    return torch.tensor(value.get("values", []), dtype=torch.float64).reshape([int(d) for d in value.get("shape", [])])


def op_of(node):
    (name,) = [key for key in node if key not in ("id", "inputs")]
    return name, node[name] or {}


def evaluate(nodes, leaves):
    """Every node's value, given the leaf tensors by id; nodes are in topological order."""
    values = {}
    for node in nodes:
        name, attrs = op_of(node)
        args = [values[i] for i in node.get("inputs", [])]
        if name in ("input", "constant"):
            values[node["id"]] = leaves[node["id"]]
        elif name in UNARY:
            values[node["id"]] = UNARY[name](*args)
        elif name == "pow":
            values[node["id"]] = torch.pow(args[0], attrs["exponent"] if "exponent" in attrs else args[1])
        elif name in BINARY:
            values[node["id"]] = BINARY[name](*args)
        elif name in ("sum", "mean"):
            axes = attrs.get("axes", [])
            reduce = torch.sum if name == "sum" else torch.mean
            values[node["id"]] = reduce(args[0], dim=axes, keepdim=attrs.get("keepDims", False)) if axes else reduce(args[0])
        elif name == "mse":
            values[node["id"]] = F.mse_loss(args[0], args[1], reduction=REDUCTION.get(attrs.get("reduction"), "mean"))
        else:
            raise ValueError(f"node {node['id']}: op {name} is not in this interpreter")
    return values


class Case:
    def __init__(self, directory, spec):
        self.nodes = json.loads((directory / spec["graph"]).read_text())["nodes"]
        self.outputs, self.wrt = spec["outputs"], spec["wrt"]
        self.leaves = {}
        for node in self.nodes:
            name, attrs = op_of(node)
            if name in ("input", "constant"):
                self.leaves[node["id"]] = tensor(attrs.get("value", {}))
        for node_id, column in spec.get("batch", {}).items():
            self.leaves[node_id] = torch.from_numpy(np.fromfile(directory / column, dtype="<f8"))
        for node_id in self.wrt:
            self.leaves[node_id].requires_grad_(True)

    def run(self):
        values = evaluate(self.nodes, self.leaves)
        outputs = [values[o] for o in self.outputs]
        gradients = torch.autograd.grad(outputs, [self.leaves[w] for w in self.wrt], [torch.ones_like(o) for o in outputs])
        return outputs, gradients

    def time(self):
        start = time.perf_counter()
        self.run()
        return time.perf_counter() - start

    def sums(self):
        outputs, gradients = self.run()
        return [float(t.detach().sum()) for t in [*outputs, *gradients]]


def main():
    directory = pathlib.Path(sys.argv[1])
    cases = {name: Case(directory, spec) for name, spec in json.loads((directory / "cases.json").read_text()).items()}
    print("ready", flush=True)
    for line in sys.stdin:
        command, name = line.split()
        answer = cases[name].time() if command == "time" else cases[name].sums()
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
