#!/usr/bin/env python3
"""Cross-checks GraphGrpc's values and gradients against PyTorch (float64, CPU).

The script builds a set of graphs (a few per op, the CLI's example graphs and random DAGs),
writes each as the protobuf JSON mapping of graphgrpc.v1.Graph, runs `graphgrpc eval` on it and
evaluates the same graph in torch: every input requires grad, every intermediate retains its
grad, and the single sink is back-propagated with a seed of ones. Every node's value and gradient
must agree with torch to a relative tolerance of 1e-12 (absolute 1e-12 near zero), with the same
shapes, and a node must have a gradient exactly when torch gives it one (constants excepted).

The CLI is `graphgrpc.dll`, taken from --cli, else $GRAPHGRPC_CLI, else the Release build under
src/GraphGrpc.Cli/bin; nothing is built here. Needs only the standard library, numpy and torch.

Then autodiff_torch.py checks, on the per-op cases and the random DAGs, the gradient graphs of
`graphgrpc grad` and Hessian-vector products through them against torch's double backward, and
`graphgrpc eval --tangent` against torch.autograd.forward_ad and central differences.

The last line printed is `N passed, M failed` (counting graphs, then each autodiff check);
the exit code is 1 on any failure.
"""

import argparse
import base64
import concurrent.futures
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import autodiff_torch

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CLI = REPO_ROOT / "src" / "GraphGrpc.Cli" / "bin" / "Release" / "net10.0" / "graphgrpc.dll"
EXAMPLES_DIR = REPO_ROOT / "src" / "GraphGrpc.Cli" / "examples"

RTOL = 1e-12
ATOL = 1e-12
RANDOM_DAGS = 30
SEED = 20240611

torch.set_default_dtype(torch.float64)
# One thread: the tensors are tiny, and the CLI processes run in parallel next to us.
torch.set_num_threads(1)
# mse_loss warns when prediction and target broadcast; broadcasting is what we test.
warnings.filterwarnings("ignore", message=".*target size.*input size.*")


# --------------------------------------------------------------------------------------------
# Graph JSON
# --------------------------------------------------------------------------------------------

LEAF_OPS = ("input", "constant")


def snake(name):
    """The proto field name for a JSON name: the JSON mapping accepts both logSoftmax and log_softmax."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def node_op(node):
    """(op name, attributes) of a JSON node, both with proto (snake_case) names."""
    ops = [key for key in node if key not in ("id", "inputs")]
    if len(ops) != 1:
        raise ValueError(f"node {node.get('id')!r} has ops {ops}, expected exactly one")
    attrs = node[ops[0]] or {}
    return snake(ops[0]), {snake(k): v for k, v in attrs.items()}


def tensor_json(array):
    """A numpy array as a graphgrpc.v1.Tensor in JSON; Python's float repr round-trips float64 exactly."""
    array = np.asarray(array, dtype=np.float64)
    return {"shape": list(array.shape), "values": [float(v) for v in array.ravel()]}


def tensor_from_json(t):
    """A graphgrpc.v1.Tensor in JSON as a float64 numpy array (values or base64 `raw` bytes)."""
    shape = [int(d) for d in t.get("shape", [])]
    if t.get("raw"):
        values = np.frombuffer(base64.b64decode(t["raw"]), dtype="<f8")
    else:
        values = np.array([float(v) for v in t.get("values", [])], dtype=np.float64)
    return values.reshape(shape)


class GraphBuilder:
    """Builds a graph's JSON node list, evaluating each node in torch (no grad) as it is added,
    so that case generators can look at shapes and values while they build."""

    def __init__(self):
        self.nodes = []
        self.values = {}
        self.uses = {}

    def _add(self, node):
        if node["id"] in self.values:
            raise ValueError(f"duplicate node id {node['id']}")
        op, attrs = node_op(node)
        with torch.no_grad():
            self.values[node["id"]] = evaluate_node(op, attrs, [self.values[i] for i in node.get("inputs", [])])
        for i in node.get("inputs", []):
            self.uses[i] += 1
        self.uses[node["id"]] = 0
        self.nodes.append(node)
        return node["id"]

    def input(self, id, array):
        return self._add({"id": id, "input": {"value": tensor_json(array)}})

    def constant(self, id, array):
        return self._add({"id": id, "constant": {"value": tensor_json(array)}})

    def op(self, id, op, inputs, **attrs):
        return self._add({"id": id, "inputs": list(inputs), op: attrs})

    def shape(self, id):
        return tuple(self.values[id].shape)

    def value(self, id):
        return self.values[id].numpy()

    def graph(self):
        return {"nodes": self.nodes}


# --------------------------------------------------------------------------------------------
# The torch reference: a generic interpreter of the JSON node list
# --------------------------------------------------------------------------------------------

def reduction_name(attrs):
    r = attrs.get("reduction", 0)
    if r in (2, "REDUCTION_SUM"):
        return "sum"
    if r in (0, 1, "REDUCTION_UNSPECIFIED", "REDUCTION_MEAN"):
        return "mean"
    raise ValueError(f"unknown reduction {r!r}")


def reduce_dims(x, attrs):
    """The dims of a sum/mean: `axes`, or every axis when empty."""
    axes = [int(a) for a in attrs.get("axes", [])]
    return tuple(axes) if axes else tuple(range(x.dim()))


def reduce(fn, x, attrs):
    if x.dim() == 0:
        return fn(x)
    return fn(x, dim=reduce_dims(x, attrs), keepdim=bool(attrs.get("keep_dims", False)))


def cross_entropy(logits, target, attrs):
    # Class indices have one rank less than the logits and are stored as doubles in the graph.
    if target.dim() == logits.dim() - 1:
        target = target.detach().long()
    return F.cross_entropy(logits, target, reduction=reduction_name(attrs))


def pow_op(args, attrs):
    if "exponent" in attrs:
        return torch.pow(args[0], float(attrs["exponent"]))
    return torch.pow(args[0], args[1])


def transpose(x, attrs):
    perm = [int(p) for p in attrs.get("perm", [])]
    return x.permute(perm or list(reversed(range(x.dim()))))


TORCH_OPS = {
    "add": lambda a, at: torch.add(a[0], a[1]),
    "sub": lambda a, at: torch.sub(a[0], a[1]),
    "mul": lambda a, at: torch.mul(a[0], a[1]),
    "div": lambda a, at: torch.div(a[0], a[1]),
    "pow": lambda a, at: pow_op(a, at),
    "maximum": lambda a, at: torch.maximum(a[0], a[1]),
    "minimum": lambda a, at: torch.minimum(a[0], a[1]),
    "neg": lambda a, at: torch.neg(a[0]),
    "exp": lambda a, at: torch.exp(a[0]),
    "log": lambda a, at: torch.log(a[0]),
    "sqrt": lambda a, at: torch.sqrt(a[0]),
    "square": lambda a, at: torch.square(a[0]),
    "abs": lambda a, at: torch.abs(a[0]),
    "sin": lambda a, at: torch.sin(a[0]),
    "cos": lambda a, at: torch.cos(a[0]),
    "tanh": lambda a, at: torch.tanh(a[0]),
    "sigmoid": lambda a, at: torch.sigmoid(a[0]),
    "relu": lambda a, at: torch.relu(a[0]),
    "matmul": lambda a, at: torch.matmul(a[0], a[1]),
    "transpose": lambda a, at: transpose(a[0], at),
    "reshape": lambda a, at: torch.reshape(a[0], [int(d) for d in at.get("shape", [])]),
    "sum": lambda a, at: reduce(torch.sum, a[0], at),
    "mean": lambda a, at: reduce(torch.mean, a[0], at),
    "softmax": lambda a, at: torch.softmax(a[0], dim=int(at.get("axis", -1))),
    "log_softmax": lambda a, at: torch.log_softmax(a[0], dim=int(at.get("axis", -1))),
    "mse": lambda a, at: F.mse_loss(a[0], a[1], reduction=reduction_name(at)),
    "cross_entropy": lambda a, at: cross_entropy(a[0], a[1], at),
}


def evaluate_node(op, attrs, args):
    if op in LEAF_OPS:
        return torch.from_numpy(tensor_from_json(attrs["value"]).copy())
    return TORCH_OPS[op](args, attrs)


def topological_order(nodes):
    """Kahn's algorithm, as the server does: the JSON may list nodes in any order."""
    by_id = {n["id"]: n for n in nodes}
    pending = {n["id"]: len(n.get("inputs", [])) for n in nodes}
    consumers = {n["id"]: [] for n in nodes}
    for n in nodes:
        for i in n.get("inputs", []):
            consumers[i].append(n["id"])
    ready = [n["id"] for n in nodes if pending[n["id"]] == 0]
    order = []
    while ready:
        id = ready.pop(0)
        order.append(by_id[id])
        for c in consumers[id]:
            pending[c] -= 1
            if pending[c] == 0:
                ready.append(c)
    if len(order) != len(nodes):
        raise ValueError("graph has a cycle")
    sinks = [n["id"] for n in nodes if not consumers[n["id"]]]
    return order, sinks


@dataclass
class Reference:
    values: dict  # id -> np.ndarray
    grads: dict  # id -> np.ndarray, or None where torch has no gradient
    sink: str


def torch_reference(graph):
    """Every node's value and gradient in torch, backward from the single sink seeded with ones."""
    order, sinks = topological_order(graph["nodes"])
    if len(sinks) != 1:
        raise ValueError(f"expected one sink, found {sinks}")
    tensors = {}
    for node in order:
        op, attrs = node_op(node)
        t = evaluate_node(op, attrs, [tensors[i] for i in node.get("inputs", [])])
        if op == "input":
            t.requires_grad_(True)
        elif t.requires_grad:
            t.retain_grad()  # so intermediates keep .grad, as the engine reports every node's gradient
        tensors[node["id"]] = t
    out = tensors[sinks[0]]
    if out.requires_grad:
        out.backward(torch.ones_like(out))
    values = {id: t.detach().numpy().copy() for id, t in tensors.items()}
    grads = {id: (None if t.grad is None else t.grad.numpy().copy()) for id, t in tensors.items()}
    return Reference(values, grads, sinks[0])


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    graph: dict


class Rng:
    """Deterministic draws of inputs away from kinks (0 for abs/relu) and inside domains."""

    def __init__(self, seed):
        self.gen = np.random.default_rng(seed)

    def signed(self, shape, lo=0.2, hi=1.5):
        """Values with |x| in [lo, hi] and random signs: away from 0, the kink of abs and relu."""
        return self.gen.uniform(lo, hi, size=shape) * self.gen.choice([-1.0, 1.0], size=shape)

    def positive(self, shape, lo=0.3, hi=2.0):
        return self.gen.uniform(lo, hi, size=shape)

    def apart(self, shape_a, shape_b, gap=0.05):
        """Two signed arrays whose broadcast elements differ by at least gap (no maximum/minimum ties)."""
        while True:
            a, b = self.signed(shape_a), self.signed(shape_b)
            if np.all(np.abs(np.subtract(a, b)) >= gap):
                return a, b


def with_head(b, rng, y, head=True):
    """Weights y by a random input and sums, so that y's upstream gradient is not all ones."""
    if not head:
        return y
    w = b.input("w", rng.signed(b.shape(y)))
    z = b.op("y*w", "mul", [y, w])
    return b.op("loss", "sum", [z]) if b.shape(z) else z


def fmt(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def op_cases(seed):
    rng = Rng(seed)
    cases = []

    def case(name, build, head=True):
        b = GraphBuilder()
        with_head(b, rng, build(b), head)
        cases.append(Case(name, b.graph()))

    # Elementwise binary ops, with numpy broadcasting.
    broadcast_pairs = [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)),
                       ((), (2, 3)), ((2, 3), ()), ((4, 1, 3), (2, 1)), ((), ())]
    for op in ("add", "sub", "mul", "div", "pow", "maximum", "minimum"):
        for sa, sb in broadcast_pairs:
            def build(b, op=op, sa=sa, sb=sb):
                if op == "div":
                    x, y = rng.signed(sa), rng.signed(sb, lo=0.3)
                elif op == "pow":  # positive base; the exponent's gradient needs log(base)
                    x, y = rng.positive(sa), rng.signed(sb, hi=2.5)
                elif op in ("maximum", "minimum"):
                    x, y = rng.apart(sa, sb)
                else:
                    x, y = rng.signed(sa), rng.signed(sb)
                return b.op("y", op, [b.input("a", x), b.input("b", y)])
            case(f"{op} {fmt(sa)},{fmt(sb)}", build)

    # Ties: torch gives half of the gradient to each side.
    for op in ("maximum", "minimum"):
        def build(b, op=op):
            x = rng.signed((2, 3))
            y = x.copy()
            y[0, 1] += 0.5
            y[1, 2] -= 0.5
            return b.op("y", op, [b.input("a", x), b.input("b", y)])
        case(f"{op} ties [2,3],[2,3]", build)

    # A constant operand gets no gradient; the input beside it does.
    case("mul input,constant [2,3],[3]",
         lambda b: b.op("y", "mul", [b.input("a", rng.signed((2, 3))), b.constant("c", rng.signed((3,)))]))
    # The same node on both sides of a binary op.
    def self_mul(b):
        x = b.input("x", rng.signed((2, 3)))
        return b.op("y", "mul", [x, x])
    case("mul x,x [2,3]", self_mul)

    # Elementwise unary ops.
    for op in ("neg", "exp", "log", "sqrt", "square", "abs", "sin", "cos", "tanh", "sigmoid", "relu"):
        def build(b, op=op):
            x = rng.positive((2, 3)) if op in ("log", "sqrt") else rng.signed((2, 3))
            return b.op("y", op, [b.input("x", x)])
        case(f"{op} [2,3]", build)
    case("exp scalar", lambda b: b.op("y", "exp", [b.input("x", rng.signed(()))]))

    # pow with a constant exponent, including the exponents torch special-cases.
    for e in (2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 0.0, 1.0, 1.7, -2.3, 4.0):
        def build(b, e=e):
            integral = e == int(e) and e >= 0
            x = rng.signed((2, 3)) if integral else rng.positive((2, 3))
            return b.op("y", "pow", [b.input("x", x)], exponent=e)
        case(f"pow(exponent={e:g}) [2,3]", build)

    # matmul with every combination of vectors and matrices.
    for sa, sb in [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,)), ((1, 3), (3, 1)),
                   ((4, 1), (1, 2))]:
        case(f"matmul {fmt(sa)},{fmt(sb)}",
             lambda b, sa=sa, sb=sb: b.op("y", "matmul", [b.input("a", rng.signed(sa)), b.input("b", rng.signed(sb))]))

    # transpose; an empty perm reverses the axes.
    for shape, perm in [((2, 3), []), ((2, 3), [1, 0]), ((2, 3, 4), []), ((2, 3, 4), [2, 0, 1]),
                        ((2, 3, 4), [1, 0, 2]), ((3,), []), ((3,), [0])]:
        case(f"transpose {fmt(shape)} perm={perm}",
             lambda b, shape=shape, perm=perm: b.op("y", "transpose", [b.input("x", rng.signed(shape))], perm=perm))

    # reshape, with one -1 to infer.
    for shape, target in [((2, 3), [3, -1]), ((2, 3, 4), [-1, 4]), ((2, 3), [6]), ((6,), [2, 1, 3]),
                          ((2, 3), [-1]), ((), [1, 1]), ((1,), [])]:
        case(f"reshape {fmt(shape)}->{target}",
             lambda b, shape=shape, target=target: b.op("y", "reshape", [b.input("x", rng.signed(shape))], shape=target))

    # sum and mean over axes, keeping the reduced dims or not.
    for op in ("sum", "mean"):
        for shape, axes, keep in [((2, 3), [], False), ((2, 3), [], True), ((2, 3), [0], False),
                                  ((2, 3), [1], True), ((2, 3), [-1], False), ((2, 3, 4), [0, 2], True),
                                  ((2, 3, 4), [1], False), ((2, 3, 4), [-2, -1], False), ((), [], False),
                                  ((4,), [0], True)]:
            attrs = {"axes": axes, "keepDims": True} if keep else {"axes": axes}
            case(f"{op} {fmt(shape)} axes={axes} keep={keep}",
                 lambda b, op=op, shape=shape, attrs=attrs: b.op("y", op, [b.input("x", rng.signed(shape))], **attrs))

    # softmax and log_softmax, on the last axis by default and on others.
    for op in ("softmax", "logSoftmax"):
        for shape, axis in [((2, 3), None), ((2, 3), 0), ((2, 3), -2), ((2, 3, 4), 1), ((2, 3, 4), 0),
                            ((4,), None), ((2, 3, 4), -1)]:
            attrs = {} if axis is None else {"axis": axis}
            case(f"{snake(op)} {fmt(shape)} axis={axis}",
                 lambda b, op=op, shape=shape, attrs=attrs: b.op("y", op, [b.input("x", rng.signed(shape, hi=3.0))], **attrs))
    # Plain softmax as the sink: the seed of ones makes its input's gradient (nearly) zero.
    case("softmax [2,3] seeded with ones",
         lambda b: b.op("y", "softmax", [b.input("x", rng.signed((2, 3)))]), head=False)

    # mse: prediction and target broadcast; both get gradients.
    for sp, st in [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((), ()), ((2, 3), ())]:
        for reduction in (None, "REDUCTION_MEAN", "REDUCTION_SUM"):
            if reduction == "REDUCTION_MEAN" and sp != (2, 3):
                continue
            attrs = {} if reduction is None else {"reduction": reduction}
            case(f"mse {fmt(sp)},{fmt(st)} {reduction or 'default'}",
                 lambda b, sp=sp, st=st, attrs=attrs: b.op(
                     "y", "mse", [b.input("pred", rng.signed(sp)), b.input("target", rng.signed(st))], **attrs))

    # cross_entropy: class indices (a constant, no gradient) or probabilities (an input, with one).
    for reduction in (None, "REDUCTION_MEAN", "REDUCTION_SUM"):
        attrs = {} if reduction is None else {"reduction": reduction}
        label = reduction or "default"
        case(f"cross_entropy [3,4] indices {label}",
             lambda b, attrs=attrs: b.op("y", "crossEntropy", [
                 b.input("logits", rng.signed((3, 4), hi=3.0)), b.constant("target", np.array([2.0, 0.0, 3.0]))], **attrs))
        case(f"cross_entropy [4] index {label}",
             lambda b, attrs=attrs: b.op("y", "crossEntropy", [
                 b.input("logits", rng.signed((4,), hi=3.0)), b.constant("target", np.array(1.0))], **attrs))

        def probs(shape):
            p = rng.positive(shape)
            return p / p.sum(axis=-1, keepdims=True)
        case(f"cross_entropy [3,4] probabilities {label}",
             lambda b, attrs=attrs: b.op("y", "crossEntropy", [
                 b.input("logits", rng.signed((3, 4), hi=3.0)), b.input("target", probs((3, 4)))], **attrs))
        case(f"cross_entropy [4] probabilities {label}",
             lambda b, attrs=attrs: b.op("y", "crossEntropy", [
                 b.input("logits", rng.signed((4,), hi=3.0)), b.input("target", probs((4,)))], **attrs))

    # Probabilities computed in the graph: the gradient flows back through the softmax.
    def ce_softmax_target(b):
        t = b.op("target", "softmax", [b.input("t", rng.signed((3, 4)))])
        return b.op("y", "crossEntropy", [b.input("logits", rng.signed((3, 4), hi=3.0)), t])
    case("cross_entropy [3,4] softmax target", ce_softmax_target)

    return cases


def example_cases():
    files = sorted(EXAMPLES_DIR.glob("*.json"))
    if not files:
        raise SystemExit(f"no example graphs found in {EXAMPLES_DIR}")
    return [Case(f"example {f.stem}", json.loads(f.read_text())) for f in files]


# --- Random DAGs -----------------------------------------------------------------------------

UNARY_SMOOTH = ("neg", "exp", "log", "sqrt", "square", "sin", "cos", "tanh", "sigmoid", "pow_e")
BINARY_SMOOTH = ("add", "sub", "mul", "div", "pow")
STRUCTURAL = ("matmul", "transpose", "reshape", "sum", "mean", "softmax", "logSoftmax", "mse", "crossEntropy")
EXPONENTS = (2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 1.5, -1.3)


def broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


class DagBuilder:
    """Grows one random DAG of smooth ops. Each candidate node is evaluated as it is drawn and kept
    only if its operands are in the op's domain and its value stays finite and moderate."""

    def __init__(self, seed):
        self.rng = Rng(seed)
        self.gen = self.rng.gen
        self.b = GraphBuilder()
        self.constants = set()  # never picked as operands: they were made for one node
        self.count = 0

    def new_id(self, prefix="n"):
        self.count += 1
        return f"{prefix}{self.count}"

    def constant(self, value):
        id = self.b.constant(self.new_id("c"), value)
        self.constants.add(id)
        return id

    def pick(self, accept=lambda id: True):
        """An operand, favouring recent nodes; unused ones (to chain them rather than leave them
        dangling) and, a little less, used ones (fan-out) over the rest."""
        ids = [id for id in self.b.values if id not in self.constants and accept(id)]
        if not ids:
            return None
        weights = np.array([1.0 + i + (6.0 if self.b.uses[id] == 0 else 3.0 if self.b.uses[id] == 1 else 0.0)
                            for i, id in enumerate(ids)])
        return ids[self.gen.choice(len(ids), p=weights / weights.sum())]

    def try_add(self, op, inputs, **attrs):
        """Adds the node unless its value is non-finite or large; returns its id or None."""
        op_name, attrs_snake = node_op({op: attrs})
        with torch.no_grad():
            value = evaluate_node(op_name, attrs_snake, [self.b.values[i] for i in inputs])
        if not torch.isfinite(value).all() or value.abs().max() > 100:
            return None
        return self.b.op(self.new_id(), op, inputs, **attrs)

    def min_of(self, id):
        return float(self.b.value(id).min()) if self.b.value(id).size else 0.0

    def max_abs(self, id):
        return float(np.abs(self.b.value(id)).max()) if self.b.value(id).size else 0.0

    def step(self):
        kind = self.gen.choice(["unary", "binary", "structural"], p=[0.4, 0.4, 0.2])
        if kind == "unary":
            op = self.gen.choice(UNARY_SMOOTH)
            if op in ("log", "sqrt"):
                x = self.pick(lambda id: self.min_of(id) > 0.1)
            elif op == "exp":
                x = self.pick(lambda id: self.max_abs(id) < 3)
            elif op == "pow_e":
                e = float(self.gen.choice(EXPONENTS))
                # Integral positive exponents take any base; the others need a positive one.
                x = self.pick(lambda id: (e in (2.0, 3.0) and self.max_abs(id) < 5) or self.min_of(id) > 0.2)
                return x and self.try_add("pow", [x], exponent=e)
            else:
                x = self.pick()
            return x and self.try_add(op, [x])
        if kind == "binary":
            op = self.gen.choice(BINARY_SMOOTH)
            a = self.pick()
            if op == "div":
                b = self.pick(lambda id: broadcastable(self.b.shape(a), self.b.shape(id)) and self.min_of(id) > 0.2)
            elif op == "pow":
                a = self.pick(lambda id: self.min_of(id) > 0.2 and self.max_abs(id) < 5)
                b = a and self.pick(lambda id: broadcastable(self.b.shape(a), self.b.shape(id)) and self.max_abs(id) < 2.5)
            else:
                b = self.pick(lambda id: broadcastable(self.b.shape(a), self.b.shape(id)))
            if a and b is None and self.gen.random() < 0.5:
                # Sometimes a fresh constant as the other operand: it gets no gradient.
                b = self.constant(self.rng.positive(self.b.shape(a)))
            return a and b and self.try_add(op, [a, b])
        op = self.gen.choice(STRUCTURAL)
        if op == "matmul":
            a = self.pick(lambda id: len(self.b.shape(id)) in (1, 2))
            if a is None:
                return None
            k = self.b.shape(a)[-1]
            right = [(k,), (k, int(self.gen.integers(1, 4)))][int(self.gen.integers(2))]
            b = self.pick(lambda id: self.b.shape(id) == right) if self.gen.random() < 0.3 else None
            b = b or self.b.input(self.new_id("W"), self.rng.signed(right, lo=0.1, hi=1.0))
            return self.try_add("matmul", [a, b])
        if op == "transpose":
            a = self.pick(lambda id: len(self.b.shape(id)) >= 2)
            if a is None:
                return None
            rank = len(self.b.shape(a))
            perm = [] if self.gen.random() < 0.3 else [int(p) for p in self.gen.permutation(rank)]
            return self.try_add("transpose", [a], perm=perm)
        if op == "reshape":
            a = self.pick(lambda id: len(self.b.shape(id)) >= 1)
            if a is None:
                return None
            n = int(np.prod(self.b.shape(a)))
            divisors = [d for d in range(1, n + 1) if n % d == 0]
            d = int(self.gen.choice(divisors))
            shape = [[-1], [d, -1], [-1, d], [1, d, -1]][int(self.gen.integers(4))]
            return self.try_add("reshape", [a], shape=shape)
        if op in ("sum", "mean"):
            a = self.pick(lambda id: len(self.b.shape(id)) >= 1)
            if a is None:
                return None
            rank = len(self.b.shape(a))
            axes = [int(x) - (rank if self.gen.random() < 0.3 else 0)
                    for x in self.gen.choice(rank, size=int(self.gen.integers(0, rank + 1)), replace=False)]
            attrs = {"axes": axes}
            if self.gen.random() < 0.5:
                attrs["keepDims"] = True
            return self.try_add(op, [a], **attrs)
        if op in ("softmax", "logSoftmax"):
            a = self.pick(lambda id: len(self.b.shape(id)) >= 1)
            if a is None:
                return None
            attrs = {} if self.gen.random() < 0.4 else {"axis": int(self.gen.integers(len(self.b.shape(a))))}
            return self.try_add(op, [a], **attrs)
        if op == "mse":
            a = self.pick()
            b = self.pick(lambda id: id != a and broadcastable(self.b.shape(a), self.b.shape(id)))
            reduction = {} if self.gen.random() < 0.5 else {"reduction": "REDUCTION_SUM"}
            return b and self.try_add("mse", [a, b], **reduction)
        # cross_entropy on [N, C] or [C] logits, against constant indices or an in-graph softmax.
        a = self.pick(lambda id: len(self.b.shape(id)) in (1, 2) and self.b.shape(id)[-1] >= 2)
        if a is None:
            return None
        shape = self.b.shape(a)
        if self.gen.random() < 0.5:
            target = self.constant(self.gen.integers(0, shape[-1], size=shape[:-1]).astype(float))
        else:
            t = self.pick(lambda id: id != a and self.b.shape(id) == shape)
            if t is None:
                return None
            target = self.try_add("softmax", [t])
        reduction = {} if self.gen.random() < 0.5 else {"reduction": "REDUCTION_SUM"}
        return target and self.try_add("crossEntropy", [a, target], **reduction)

    def build(self):
        r, c = int(self.gen.integers(2, 4)), int(self.gen.integers(2, 5))
        shapes = [(r, c), (c,), (r, 1), (), (r, c)]
        for i in sorted(self.gen.choice(len(shapes), size=int(self.gen.integers(2, 5)), replace=False)):
            self.b.input(f"x{i}", self.rng.signed(shapes[i], hi=1.2))
        target = int(self.gen.integers(8, 16))
        added, attempts = 0, 0
        while added < target and attempts < 500:
            attempts += 1
            if self.step():
                added += 1
        # Make sure some intermediate node fans out.
        if not any(self.b.uses[n["id"]] >= 2 for n in self.b.nodes if "inputs" in n):
            x = self.pick(lambda id: self.b.uses[id] == 1 and not id.startswith(("x", "W")))
            if x:
                self.try_add("mul", [x, self.try_add("tanh", [x]) or x])
        # Fold every dangling node into one scalar sink.
        dangling = [n["id"] for n in self.b.nodes if self.b.uses[n["id"]] == 0 and "constant" not in n]
        terms = []
        for d in dangling:
            terms.append(d if self.b.shape(d) == () else self.b.op(self.new_id(), self.gen.choice(["sum", "mean"]), [d]))
        while len(terms) > 1:
            terms.append(self.b.op(self.new_id(), "add", [terms.pop(0), terms.pop(0)]))
        graph = self.b.graph()
        # The server sorts nodes itself; list them shuffled to exercise that.
        graph["nodes"] = [graph["nodes"][i] for i in self.gen.permutation(len(graph["nodes"]))]
        return graph


def random_cases(seed, count):
    cases = []
    for k in range(count):
        graph = DagBuilder(seed + k).build()
        cases.append(Case(f"random dag {k:02d} ({len(graph['nodes'])} nodes)", graph))
    return cases


# --------------------------------------------------------------------------------------------
# Running the CLI
# --------------------------------------------------------------------------------------------

def find_cli(arg):
    path = arg or os.environ.get("GRAPHGRPC_CLI")
    if path:
        if not Path(path).is_file():
            raise SystemExit(f"error: the CLI {path} (from {'--cli' if arg else 'GRAPHGRPC_CLI'}) does not exist")
        return Path(path)
    if not DEFAULT_CLI.is_file():
        raise SystemExit(
            f"error: {DEFAULT_CLI} is missing. Build it first with\n"
            f"  dotnet build GraphGrpc.sln -c Release\n"
            f"or point GRAPHGRPC_CLI at a graphgrpc.dll.")
    return DEFAULT_CLI


def run_cli(dotnet, cli, path):
    """(parsed output, error text) of `graphgrpc eval FILE`."""
    proc = subprocess.run([dotnet, str(cli), "eval", str(path)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return None, f"CLI exited with {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}"
    try:
        # Integers as floats: the writer prints a double like -0.0 as "-0", which int() would make +0.
        return json.loads(proc.stdout, parse_int=float), None
    except json.JSONDecodeError as e:
        return None, f"CLI printed invalid JSON: {e}"


NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def to_array(x):
    def convert(v):
        if isinstance(v, list):
            return [convert(e) for e in v]
        if isinstance(v, str):
            return NON_FINITE[v]
        return float(v)
    return np.array(convert(x), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------

def ordered(bits):
    """Maps float64 bit patterns to integers ordered like the floats, so ULP distance is a difference."""
    return [b if b >= 0 else -(2 ** 63) - b for b in bits]


@dataclass
class Stats:
    count: int = 0
    identical: int = 0
    max_ulp: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0

    def add(self, ours, ref):
        a, b = ours.ravel(), ref.ravel()
        self.count += a.size
        both_nan = np.isnan(a) & np.isnan(b)
        self.identical += int(np.sum((a.view(np.int64) == b.view(np.int64)) | both_nan))
        finite = np.isfinite(a) & np.isfinite(b)
        if finite.any():
            diff = np.abs(a[finite] - b[finite])
            scale = np.maximum(np.abs(a[finite]), np.abs(b[finite]))
            rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
            self.max_abs = max(self.max_abs, float(diff.max()))
            self.max_rel = max(self.max_rel, float(rel.max()))
            ulps = [abs(x - y) for x, y in zip(ordered(a[finite].view(np.int64).tolist()),
                                               ordered(b[finite].view(np.int64).tolist()))]
            self.max_ulp = max(self.max_ulp, max(ulps))


def mismatches(ours, ref):
    """Indices where ours and ref disagree beyond tolerance (non-finite values must match exactly)."""
    with np.errstate(invalid="ignore"):
        diff = np.abs(ours - ref)
        close = diff <= np.maximum(RTOL * np.maximum(np.abs(ours), np.abs(ref)), ATOL)
    same_non_finite = (np.isnan(ours) & np.isnan(ref)) | (np.isinf(ours) & (ours == ref))
    return np.argwhere(~(close | same_non_finite))


def stat_key(graph_node):
    op, attrs = node_op(graph_node)
    if op == "pow":
        return "pow (exponent)" if "exponent" in attrs else "pow (tensor)"
    return op


@dataclass
class Outcome:
    case: Case
    problems: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)  # (op key, "value"|"gradient") -> Stats


def compare(case, ours):
    outcome = Outcome(case)
    problems = outcome.problems
    try:
        ref = torch_reference(case.graph)
    except Exception as e:  # a bad case is a failure of this script, reported like any other
        problems.append(f"torch could not evaluate the graph: {type(e).__name__}: {e}")
        return outcome
    if ours.get("outputs") != [ref.sink]:
        problems.append(f"outputs {ours.get('outputs')} != [{ref.sink!r}]")
    our_nodes = {n["id"]: n for n in ours.get("nodes", [])}
    if set(our_nodes) != set(ref.values):
        problems.append(f"node ids differ: ours lacks {sorted(set(ref.values) - set(our_nodes))}, "
                        f"has extra {sorted(set(our_nodes) - set(ref.values))}")
    all_finite = True
    for node in case.graph["nodes"]:
        id = node["id"]
        if id not in our_nodes:
            continue
        mine, key = our_nodes[id], stat_key(node)
        is_constant = "constant" in node
        value, grad = ref.values[id], ref.grads[id]
        all_finite &= bool(np.isfinite(value).all()) and (grad is None or bool(np.isfinite(grad).all()))
        if [int(d) for d in mine.get("shape", [])] != list(value.shape):
            problems.append(f"{id} ({key}): shape {mine.get('shape')} != torch {list(value.shape)}")
        checks = [("value", to_array(mine["value"]), value)]
        if mine.get("gradient") is None:
            if grad is not None:
                problems.append(f"{id} ({key}): no gradient, torch has {grad.tolist()}")
        elif grad is None:
            if not is_constant:
                problems.append(f"{id} ({key}): gradient {mine['gradient']}, torch has none")
        else:
            checks.append(("gradient", to_array(mine["gradient"]), grad))
        for what, got, want in checks:
            if got.shape != want.shape:
                problems.append(f"{id} ({key}): {what} shape {list(got.shape)} != torch {list(want.shape)}")
                continue
            outcome.stats.setdefault((key, what), Stats()).add(got, want)
            bad = mismatches(got, want)
            for index in bad[:5]:
                i = tuple(int(k) for k in index)
                problems.append(f"{id} ({key}): {what}{list(i)} ours {got[i]!r} torch {want[i]!r} "
                                f"(diff {abs(got[i] - want[i]):.3g})")
            if len(bad) > 5:
                problems.append(f"{id} ({key}): ... {len(bad) - 5} more {what} mismatches")
    if all_finite and ours.get("firstNonFinite") is not None:
        problems.append(f"firstNonFinite is {ours['firstNonFinite']}, but torch's numbers are all finite")
    return outcome


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def print_table(outcomes):
    merged = {}
    for o in outcomes:
        for k, s in o.stats.items():
            m = merged.setdefault(k, Stats())
            m.count += s.count
            m.identical += s.identical
            m.max_ulp = max(m.max_ulp, s.max_ulp)
            m.max_abs = max(m.max_abs, s.max_abs)
            m.max_rel = max(m.max_rel, s.max_rel)
    ops = sorted({k[0] for k in merged})
    header = (f"{'op':<16} {'values':>7} {'bit-id':>7} {'max ulp':>8}   {'grads':>6} {'bit-id':>7} {'max ulp':>8}"
              f"   {'max abs diff':>12} {'max rel diff':>12}")
    print(header)
    print("-" * len(header))
    total = {"value": Stats(), "gradient": Stats()}
    for op in ops + ["TOTAL"]:
        cells = []
        worst_abs = worst_rel = 0.0
        for what in ("value", "gradient"):
            s = total[what] if op == "TOTAL" else merged.get((op, what))
            if op != "TOTAL" and s is not None:
                t = total[what]
                t.count += s.count
                t.identical += s.identical
                t.max_ulp, t.max_abs, t.max_rel = max(t.max_ulp, s.max_ulp), max(t.max_abs, s.max_abs), max(t.max_rel, s.max_rel)
            if s is None or s.count == 0:
                cells.append(f"{'-':>7} {'-':>7} {'-':>8}")
                continue
            cells.append(f"{s.count:>7} {s.identical:>7} {s.max_ulp:>8}")
            worst_abs, worst_rel = max(worst_abs, s.max_abs), max(worst_rel, s.max_rel)
        if op == "TOTAL":
            print("-" * len(header))
        print(f"{op:<16} {cells[0]}   {cells[1][1:]}   {worst_abs:>12.3g} {worst_rel:>12.3g}")
    print("(values/grads: numbers compared; bit-id: bit-identical to torch; max ulp: largest distance in\n"
          " units in the last place, which is large only for results near zero)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", help="path to graphgrpc.dll (default: $GRAPHGRPC_CLI, else the Release build)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="CLI processes to run at once")
    parser.add_argument("--keep", metavar="DIR", help="write the graph files to DIR and keep them")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every graph, not just failures")
    args = parser.parse_args()

    started = time.monotonic()
    cli = find_cli(args.cli)
    dotnet = shutil.which("dotnet")
    if dotnet is None:
        raise SystemExit("error: `dotnet` is not on PATH")

    cases = op_cases(SEED) + example_cases() + random_cases(SEED + 1000, RANDOM_DAGS)
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="graphgrpc-torch-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        paths = []
        for i, case in enumerate(cases):
            path = workdir / f"{i:03d}-{re.sub(r'[^A-Za-z0-9]+', '_', case.name).strip('_')}.json"
            path.write_text(json.dumps(case.graph, indent=1))
            paths.append(path)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            runs = list(pool.map(lambda p: run_cli(dotnet, cli, p), paths))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    outcomes = []
    for case, path, (ours, error) in zip(cases, paths, runs):
        outcome = Outcome(case, [error]) if error else compare(case, ours)
        outcomes.append(outcome)
        if outcome.problems or args.verbose:
            print(f"{'FAIL' if outcome.problems else 'PASS'} {case.name}" + (f"  ({path})" if args.keep else ""))
            for p in outcome.problems[:20]:
                print(f"    {p}")
            if len(outcome.problems) > 20:
                print(f"    ... {len(outcome.problems) - 20} more")

    autodiff_cases = op_cases(SEED) + random_cases(SEED + 1000, RANDOM_DAGS)
    autodiff = autodiff_torch.run(sys.modules[__name__], dotnet, cli, autodiff_cases, args.jobs, SEED + 2000)
    for outcome in autodiff:
        if outcome.problems or args.verbose:
            print(f"{'FAIL' if outcome.problems else 'PASS'} {outcome.name}")
            for p in outcome.problems[:10]:
                print(f"    {p}")

    failed = sum(1 for o in outcomes if o.problems)
    autodiff_failed = sum(1 for o in autodiff if o.problems)
    print()
    print(f"Autodiff: {len(autodiff) // 2} graphs, each with a Hessian-vector product against torch's double backward "
          f"and every node's tangent against torch.autograd.forward_ad and central differences; "
          f"{sum(o.compared for o in autodiff)} numbers compared (rel {autodiff_torch.RTOL:g}, abs {autodiff_torch.ATOL:g}; "
          f"differences {autodiff_torch.FD_TOL:g}); {len(autodiff) - autodiff_failed} passed, {autodiff_failed} failed.")
    print()
    print(f"Compared {len(cases)} graphs with torch {torch.__version__} (float64) "
          f"in {time.monotonic() - started:.1f} s; tolerance rel {RTOL:g}, abs {ATOL:g}.")
    print()
    print_table(outcomes)
    print()
    failed += autodiff_failed
    total = len(outcomes) + len(autodiff)
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
