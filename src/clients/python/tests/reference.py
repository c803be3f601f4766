"""PyTorch, in float64, as the reference for values and gradients: evaluates a graphgrpc Graph node by node."""
import numpy as np
import torch
import torch.nn.functional as F

from graphgrpc.v1 import graph_pb2


def _dims(axes, rank):
    return tuple(axes) if axes else tuple(range(rank))


def _reduction(reduction):
    return "sum" if reduction == graph_pb2.REDUCTION_SUM else "mean"


def _apply(node, args):
    a = node.attributes
    op = node.op
    if op == "add":
        return args[0] + args[1]
    if op == "sub":
        return args[0] - args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "div":
        return args[0] / args[1]
    if op == "pow":
        return args[0] ** a.exponent.value if a.HasField("exponent") else torch.pow(args[0], args[1])
    if op == "maximum":
        return torch.maximum(args[0], args[1])
    if op == "minimum":
        return torch.minimum(args[0], args[1])
    if op == "square":
        return args[0] * args[0]
    if op in ("neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "sign"):
        return getattr(torch, op)(args[0])
    if op == "identity":
        return args[0].clone()
    if op == "broadcast_to":
        return torch.broadcast_to(args[0], tuple(a.shape))
    if op == "matmul":
        return torch.matmul(args[0], args[1])
    if op == "transpose":
        perm = list(a.perm) or list(reversed(range(args[0].dim())))
        return args[0].permute(*perm)
    if op == "reshape":
        return args[0].reshape(tuple(a.shape))
    if op in ("sum", "mean"):
        dims = _dims(a.axes, args[0].dim())
        if not dims:
            return args[0] * 1.0
        return getattr(torch, op)(args[0], dim=dims, keepdim=a.keep_dims)
    if op in ("softmax", "log_softmax"):
        return getattr(torch, op)(args[0], dim=a.axis.value if a.HasField("axis") else -1)
    if op == "mse":
        return F.mse_loss(args[0], args[1], reduction=_reduction(a.reduction))
    if op == "cross_entropy":
        logits, target = args
        if target.shape != logits.shape:
            target = target.detach().long()
        return F.cross_entropy(logits, target, reduction=_reduction(a.reduction))
    raise AssertionError(f"no reference for op {op}")


def evaluate(graph, outputs, seeds=None):
    """(values, gradients) as dicts of numpy arrays by node id: every node's value, and the
    gradient of the seeded outputs for every input leaf and intermediate node that gets one."""
    tensors = {}
    for node in graph.nodes:
        if node.op in ("input", "constant"):
            tensors[node.id] = torch.tensor(node.value, dtype=torch.float64, requires_grad=node.op == "input")
        else:
            tensors[node.id] = _apply(node, [tensors[i] for i in node.inputs])
            if tensors[node.id].requires_grad:
                tensors[node.id].retain_grad()
    seeds = seeds or {}
    roots = [tensors[o] for o in outputs]
    grads = [torch.tensor(seeds[o], dtype=torch.float64) if o in seeds else torch.ones_like(tensors[o]) for o in outputs]
    torch.autograd.backward(roots, grads)
    values = {k: t.detach().numpy() for k, t in tensors.items()}
    gradients = {k: t.grad.numpy() for k, t in tensors.items() if t.grad is not None}
    return values, gradients


def assert_close(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12, err_msg=what)
    assert np.shape(actual) == np.shape(expected), f"{what}: shape {np.shape(actual)}, expected {np.shape(expected)}"
