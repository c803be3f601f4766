"""PyTorch's side of the autodiff bench: G2's Hessian-vector product by double backward and its JVP
by torch.autograd.forward_ad, at every point at once, in this process.

Usage: torch_autodiff.py DIR. DIR holds g2.json (the graph file), x0.f64.. (each batch input's column,
raw little-endian float64) and v0.f64.. (the direction at each point). The graph is interpreted node
by node with the suite's interpreter (torch_suite.py), each op vectorized over the points. Leaves are
made once. After printing "ready" it answers one command per line with one JSON line:
  time hvp|jvp   seconds for one evaluation
  sums hvp|jvp   the sum of each result column, for a cross-check
"""
import json
import os
import pathlib
import sys
import time

import numpy as np
import torch
from torch.autograd import forward_ad

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_suite import evaluate, op_of, tensor  # noqa: E402  (needs the path above)

torch.set_num_threads(os.cpu_count())


class G2:
    def __init__(self, directory, inputs, output):
        self.nodes = json.loads((directory / "g2.json").read_text())["nodes"]
        self.inputs, self.output = inputs, output
        self.leaves = {}
        for node in self.nodes:
            name, attrs = op_of(node)
            if name in ("input", "constant"):
                self.leaves[node["id"]] = tensor(attrs.get("value", {}))
        self.points = [torch.from_numpy(np.fromfile(directory / f"{i}.f64", dtype="<f8")) for i in inputs]
        self.directions = [torch.from_numpy(np.fromfile(directory / f"v{k}.f64", dtype="<f8")) for k in range(len(inputs))]
        self.variables = [p.clone().requires_grad_(True) for p in self.points]

    def hvp(self):
        """H v at each point: the gradient with create_graph, then its vector-Jacobian product with v."""
        leaves = dict(self.leaves, **dict(zip(self.inputs, self.variables)))
        out = evaluate(self.nodes, leaves)[self.output]
        gradients = torch.autograd.grad(out, self.variables, torch.ones_like(out), create_graph=True)
        return torch.autograd.grad(gradients, self.variables, self.directions)

    def jvp(self):
        """The output's tangent along v at each point, in forward mode."""
        with forward_ad.dual_level():
            duals = [forward_ad.make_dual(p, v) for p, v in zip(self.points, self.directions)]
            out = evaluate(self.nodes, dict(self.leaves, **dict(zip(self.inputs, duals))))[self.output]
            return [forward_ad.unpack_dual(out).tangent]


def main():
    g2 = G2(pathlib.Path(sys.argv[1]), ["x0", "x1", "x2"], "out")
    runs = {"hvp": g2.hvp, "jvp": g2.jvp}
    print("ready", flush=True)
    for line in sys.stdin:
        command, name = line.split()
        if command == "time":
            start = time.perf_counter()
            runs[name]()
            answer = time.perf_counter() - start
        else:
            answer = [float(t.detach().sum()) for t in runs[name]()]
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
