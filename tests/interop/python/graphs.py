"""The graphs the cases send, and what the server must answer for them.

The seed examples come from src/GraphGrpc.Cli/examples; their answers follow from the seed texts
(seed 000's dg/dd is 12d = 282, not the 47 its text says).
"""
import math
import os

from google.protobuf import json_format

# More than grpc's 4 MiB default message limit, in float64 elements: 8 MB as packed doubles.
LARGE_ELEMENTS = 1_000_000
# Each side of the large_response outer sum, whose value has SIDE * SIDE elements.
SIDE = 1000
# Long enough that the stream of its events is still flowing when the client cancels.
CHAIN_LENGTH = 20_000

INVALID_GRAPH_JSON = ('{"nodes": [{"id": "a", "inputs": ["b"], "neg": {}}, {"id": "b", "inputs": ["a"], "exp": {}},'
                      ' {"id": "c", "inputs": ["ghost"], "log": {}}]}')
INVALID_GRAPH_PROBLEMS = [
    ("c", "PROBLEM_KIND_UNKNOWN_INPUT", "input 'ghost' is not a node of the graph"),
    ("a", "PROBLEM_KIND_CYCLE", "is on a cycle: a -> b -> a"),
]

# Seed 000 at a = 0.5, o = 1: every value and the gradient of g with respect to every node that has one.
SEED000_VALUES = {"a": 0.5, "o": 1, "2": 2, "3": 3, "5": 5, "6": 6, "7": 7, "3a": 1.5, "b": 3.5, "2b": 7, "c": 10,
                  "5b": 17.5, "d": 23.5, "7c": 70, "d^2": 552.25, "e": 622.25, "f": 1244.5, "3f": 3733.5, "g": 3732.5}
SEED000_GRADIENTS = {"g": 1, "3f": 1, "f": 3, "e": 6, "d^2": 6, "7c": 6, "d": 282, "c": 42, "5b": 282, "2b": 42,
                     "b": 1494, "3a": -1494, "o": -1, "a": -4482}

# Seed 002, z = log(3x^2 + 5xy) at x = 2, y = 3: z = log 42, dz/dx = (6x + 5y) / 42, dz/dy = 5x / 42.
SEED002_VALUE = math.log(42)
SEED002_GRADIENTS = {"x": 27 / 42, "y": 10 / 42}

# Seed 003, L = (x*w + b - y)^2 at x = 2, w = 3, b = 1, y = 5.
SEED003_VALUE = 4.0
SEED003_GRADIENTS = {"x": 12.0, "w": 8.0, "b": 4.0, "y": -4.0}


def batch_answers(x):
    """Seed 003 with x varying per point and w = 3, b = 1, y = 5 shared: L, dL/dx per point, and the
    shared gradients summed over the points."""
    residual = [3 * xi - 4 for xi in x]
    return {
        "L": [r * r for r in residual],
        "x": [6 * r for r in residual],
        "w": sum(2 * r * xi for r, xi in zip(residual, x)),
        "b": sum(2 * r for r in residual),
        "y": sum(-2 * r for r in residual),
    }


class Graphs:
    def __init__(self, stubs, repo_root):
        self._pb = stubs.graph
        self._examples = os.path.join(repo_root, "src/GraphGrpc.Cli/examples")

    def seed(self, name):
        with open(os.path.join(self._examples, name + ".json")) as f:
            return json_format.Parse(f.read(), self._pb.Graph())

    def invalid(self):
        return json_format.Parse(INVALID_GRAPH_JSON, self._pb.Graph())

    def _input(self, node_id, shape, values):
        return self._pb.Node(id=node_id, input=self._pb.Input(value=self._pb.Tensor(shape=shape, values=values)))

    def large_leaf_sum(self):
        """t = sum(x) for x = 0, 1, ..., LARGE_ELEMENTS - 1: a request over 4 MiB, a one-number answer."""
        return self._pb.Graph(nodes=[
            self._input("x", [LARGE_ELEMENTS], range(LARGE_ELEMENTS)),
            self._pb.Node(id="t", inputs=["x"], sum=self._pb.Sum()),
        ])

    def outer_sum(self):
        """s = a + b broadcast from a[i] = i (SIDE x 1) and b[j] = SIDE * j (1 x SIDE), t = sum(s):
        a small request whose value s is over 4 MiB."""
        return self._pb.Graph(nodes=[
            self._input("a", [SIDE, 1], range(SIDE)),
            self._input("b", [1, SIDE], [SIDE * j for j in range(SIDE)]),
            self._pb.Node(id="s", inputs=["a", "b"], add=self._pb.Add()),
            self._pb.Node(id="t", inputs=["s"], sum=self._pb.Sum()),
        ])

    def chain(self):
        """x = 1 negated CHAIN_LENGTH times: many events on the Evaluate stream."""
        nodes = [self._input("n0", [], [1.0])]
        for i in range(1, CHAIN_LENGTH + 1):
            nodes.append(self._pb.Node(id=f"n{i}", inputs=[f"n{i - 1}"], neg=self._pb.Neg()))
        return self._pb.Graph(nodes=nodes)
