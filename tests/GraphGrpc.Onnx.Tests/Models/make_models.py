"""Writes the ONNX models the .NET importer's tests read, with torch's answers for them.

    /usr/bin/python3 make_models.py OUT_DIR

For each case it writes OUT_DIR/CASE.onnx (exported by torch.onnx.export from a torch module, or
built with onnx.helper for what torch does not export), OUT_DIR/CASE.json with the inputs, the
trainable initializers, a seed for the output, and torch's value and vector-Jacobian products
(float64, torch.autograd.grad), and OUT_DIR/CASE.python.json, the graph the Python importer
(graphgrpc.from_onnx) makes of it, for the test that both importers agree. OUT_DIR/cases.json lists
the cases. OUT_DIR/mlp_external_data.onnx is the MLP with its weights saved as external data.
Run with src/clients/python on PYTHONPATH.
"""
import io
import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper
from torch import nn

from graphgrpc import from_onnx

DOUBLE = torch.float64


def rand(*shape, low=-1.5, high=1.5, seed=0):
    return torch.tensor(np.random.default_rng(seed + 7 * len(shape)).uniform(low, high, shape))


def positive(*shape, seed=1):
    return rand(*shape, low=0.5, high=2.0, seed=seed)


class Wrapped(nn.Module):
    """A function as a module, so torch.onnx.export takes it."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


class MLP(nn.Module):
    """float32, as models usually are: the importer reads its float32 initializers as float64."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(31)
        self.layers = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))

    def forward(self, x):
        return self.layers(x)


class SoftmaxClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(32)
        self.hidden = nn.Linear(5, 6).double()
        self.out = nn.Linear(6, 3).double()

    def forward(self, x):
        return torch.log_softmax(self.out(torch.sigmoid(self.hidden(x))), dim=1)


# name: (torch module or function, example inputs, export options). Inputs are named x0, x1, ...
EXPORTED = {
    "mlp": (MLP(), [rand(6, 4, seed=9)], {}),
    "softmax_classifier": (SoftmaxClassifier(), [rand(7, 5, seed=10)], {}),
    "add_sub_mul_div": (lambda a, b: (a + b) * (a - b) / b, [rand(2, 3), positive(3)], {}),
    "pow_tensor_and_scalar": (lambda a, b: a ** b + a ** 3, [positive(4), rand(4, seed=2)], {}),
    "max_min": (lambda a, b: torch.maximum(a, b) * torch.minimum(a, -b), [rand(4), rand(4, seed=5)], {}),
    "unary": (lambda a: a.exp().sin().cos().tanh().sigmoid().relu().neg().abs() + a.abs().sqrt().log(),
              [rand(5)], {}),
    "matmul": (lambda a, b: a @ b, [rand(2, 3), rand(3, 4, seed=2)], {}),
    "gemm_alpha_beta": (lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0),
                        [rand(2, 4), rand(2, 3, seed=3), rand(3, 4, seed=4)], {}),
    "transpose": (lambda a: a.permute(2, 0, 1) * a.transpose(0, 2).permute(0, 2, 1), [rand(2, 3, 4)], {}),
    "reshape": (lambda a: a.reshape(3, 2, 1) + a.reshape(-1, 6).t().reshape(3, 2, 1), [rand(2, 3)], {}),
    "flatten": (lambda a: torch.flatten(a, 1), [rand(2, 3, 2)], {}),
    "reduce_sum": (lambda a: a.sum(1, keepdim=True) * a.sum(), [rand(2, 3)], {}),
    "reduce_mean": (lambda a: a.mean((0, 2)) + a.mean(), [rand(2, 3, 2)], {}),
    "softmax": (lambda a: torch.softmax(a, 0) + torch.softmax(a, -1), [rand(2, 3)], {}),
    "log_softmax": (lambda a: F.log_softmax(a, dim=1), [rand(2, 3)], {}),
    "constant": (lambda a: a * torch.tensor([1.0, -2.0, 0.5], dtype=DOUBLE), [rand(2, 3)], {}),
    "softmax_opset_11": (lambda a: torch.softmax(a, -1) * torch.log_softmax(a, 2), [rand(2, 3, 4)],
                         {"opset_version": 11}),
}


def built(nodes, inputs, initializers=(), opset=14, output_shape=None):
    """A model from onnx.helper: inputs are (name, shape) of doubles, the output is y."""
    graph = helper.make_graph(
        nodes, "built",
        [helper.make_tensor_value_info(name, TensorProto.DOUBLE, shape) for name, shape in inputs],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, output_shape)],
        initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def initializer(name, array, data_type=TensorProto.DOUBLE):
    return helper.make_tensor(name, data_type, array.shape, array.ravel().tolist())


W = np.random.default_rng(40).uniform(-1, 1, (3, 2))
C = np.random.default_rng(41).uniform(-1, 1, (2,))

# name: (ONNX model, the torch function it computes, example inputs, trainable initializers as {name: array}).
BUILT = {
    "identity_cast_variadic": (
        built([helper.make_node("Max", ["x0", "x1", "x2"], ["m"], name="max3"),
               helper.make_node("Min", ["m"], ["n"], name="min1"),
               helper.make_node("Identity", ["n"], ["i"], name="inner_identity"),
               helper.make_node("Cast", ["i"], ["c"], name="cast", to=TensorProto.DOUBLE),
               helper.make_node("Identity", ["c"], ["y"], name="identity")],
              [(f"x{i}", [3]) for i in range(3)], output_shape=[3]),
        lambda a, b, c: torch.maximum(torch.maximum(a, b), c), [rand(3, seed=s) for s in (6, 7, 8)], {}),
    "gemm_transposed_without_c": (
        built([helper.make_node("Gemm", ["x0", "x1"], ["y"], name="gemm", alpha=0.25, transA=1, transB=1)],
              [("x0", [3, 2]), ("x1", [4, 3])], output_shape=[2, 4]),
        lambda a, b: 0.25 * (a.t() @ b.t()), [rand(3, 2, seed=11), rand(4, 3, seed=12)], {}),
    "gemm_trainable_initializers": (
        built([helper.make_node("Gemm", ["x0", "W", "C"], ["y"], name="gemm", beta=3.0)],
              [("x0", [4, 3])], [initializer("W", W), initializer("C", C)], output_shape=[4, 2]),
        lambda a, w, c: a @ w + 3.0 * c, [rand(4, 3, seed=13)], {"W": W, "C": C}),
    "reduce_attributes_opset_11": (
        built([helper.make_node("ReduceSum", ["x0"], ["s"], name="sum", axes=[0, 2], keepdims=0),
               helper.make_node("ReduceMean", ["x0"], ["m"], name="mean", axes=[-1]),
               helper.make_node("ReduceSum", ["m"], ["a"], name="sum_all", keepdims=0),
               helper.make_node("Mul", ["s", "a"], ["y"], name="mul")],
              [("x0", [2, 3, 4])], opset=11, output_shape=[3]),
        lambda a: a.sum((0, 2)) * a.mean(-1, keepdim=True).sum(), [rand(2, 3, 4, seed=14)], {}),
    "reduce_noop_with_empty_axes": (
        built([helper.make_node("ReduceSum", ["x0"], ["y"], name="noop", noop_with_empty_axes=1)],
              [("x0", [2, 3])], opset=13, output_shape=[2, 3]),
        lambda a: a * 1.0, [rand(2, 3, seed=15)], {}),
    "reshape_copying_a_dimension_and_flatten_axes": (
        built([helper.make_node("Constant", [], ["shape"], name="shape", value_ints=[0, -1]),
               helper.make_node("Reshape", ["x0", "shape"], ["r"], name="reshape"),
               helper.make_node("Flatten", ["x0"], ["f0"], name="flatten0", axis=0),
               helper.make_node("Flatten", ["x0"], ["f2"], name="flatten_minus1", axis=-1),
               helper.make_node("ReduceSum", ["f0"], ["s0"], name="s0", keepdims=0),
               helper.make_node("ReduceSum", ["f2"], ["s2"], name="s2", keepdims=0),
               helper.make_node("Add", ["s0", "s2"], ["t"], name="t"),
               helper.make_node("Mul", ["r", "t"], ["y"], name="y")],
              [("x0", [2, 3, 2])], opset=12, output_shape=[2, 6]),
        lambda a: a.reshape(2, 6) * (a.sum() + a.sum()), [rand(2, 3, 2, seed=16)], {}),
    "constant_floats_and_pow": (
        built([helper.make_node("Constant", [], ["k"], name="k", value_floats=[0.5, 2.0]),
               helper.make_node("Constant", [], ["two"], name="two", value_float=2.0),
               helper.make_node("Pow", ["x0", "two"], ["p"], name="pow"),
               helper.make_node("Mul", ["p", "k"], ["y"], name="y")],
              [("x0", [2])], output_shape=[2]),
        lambda a: a ** 2 * torch.tensor([0.5, 2.0], dtype=DOUBLE), [rand(2, seed=17)], {}),
}


def export(fn, examples, options):
    module = fn if isinstance(fn, nn.Module) else Wrapped(fn)
    float32 = next((p.dtype == torch.float32 for p in module.parameters()), False)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(e.float() if float32 else e for e in examples), buffer,
                          input_names=[f"x{i}" for i in range(len(examples))], output_names=["y"], **options)
    if float32:
        # The reference is the same module in float64: its float32 weights, read exactly.
        module.double()
    return buffer.getvalue(), module


def tensor(value):
    array = np.asarray(value.detach().numpy() if isinstance(value, torch.Tensor) else value, dtype=np.float64)
    return {"shape": list(array.shape), "values": array.ravel().tolist()}


def answers(fn, examples, parameters, seed):
    """torch's value and vector-Jacobian products with the seed, for every input and parameter."""
    leaves = [e.clone().requires_grad_() for e in [*examples, *parameters.values()]]
    value = fn(*leaves)
    weight = torch.tensor(np.random.default_rng(seed).uniform(-1.0, 1.0, tuple(value.shape)))
    gradients = torch.autograd.grad(value, leaves, weight)
    names = [f"x{i}" for i in range(len(examples))] + list(parameters)
    return weight, value, dict(zip(names, gradients))


def write_case(out_dir, name, model_bytes, examples, fn, parameters):
    path = os.path.join(out_dir, f"{name}.onnx")
    with open(path, "wb") as f:
        f.write(model_bytes)
    weight, value, gradients = answers(fn, examples, parameters, seed=len(name))
    inputs = {f"x{i}": e.numpy() for i, e in enumerate(examples)}
    case = {
        "model": f"{name}.onnx",
        "inputs": {k: tensor(v) for k, v in inputs.items()},
        "trainable": list(parameters),
        "output": "y",
        "seed": tensor(weight),
        "value": tensor(value),
        "gradients": {k: tensor(v) for k, v in gradients.items()},
    }
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(case, f)
    graph = from_onnx(path, inputs=inputs, trainable=list(parameters))
    with open(os.path.join(out_dir, f"{name}.python.json"), "w") as f:
        f.write(graph.to_json())


def write_external_data_copy(out_dir, name):
    """NAME_external_data.onnx: the case's model with its initializers saved as external data, in
    NAME_external_data.weights beside it, and the Python importer's graph of it (every initializer
    trainable, inputs zeros)."""
    path = os.path.join(out_dir, f"{name}_external_data.onnx")
    onnx.save_model(onnx.load(os.path.join(out_dir, f"{name}.onnx")), path, save_as_external_data=True,
                    all_tensors_to_one_file=True, location=f"{name}_external_data.weights", size_threshold=0)
    with open(os.path.join(out_dir, f"{name}_external_data.python.json"), "w") as f:
        f.write(from_onnx(path, trainable=True).to_json())


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, (fn, examples, options) in EXPORTED.items():
        model_bytes, module = export(fn, examples, options)
        if isinstance(fn, nn.Module):
            # Parameters are leaves of their own, passed after the inputs under their ONNX names.
            parameters = {n: p.detach() for n, p in module.named_parameters()}
            names = list(parameters)

            def with_parameters(*args, module=module, names=names, count=len(examples)):
                state = dict(zip(names, args[count:]))
                return torch.nn.utils.stateless.functional_call(module, state, args[:count])
            write_case(out_dir, name, model_bytes, examples, with_parameters, parameters)
        else:
            write_case(out_dir, name, model_bytes, examples, fn, {})
    for name, (model, fn, examples, trainable) in BUILT.items():
        onnx.checker.check_model(model)
        parameters = {n: torch.tensor(a) for n, a in trainable.items()}
        write_case(out_dir, name, model.SerializeToString(), examples, fn, parameters)
    write_external_data_copy(out_dir, "mlp")
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(sorted([*EXPORTED, *BUILT]), f)


if __name__ == "__main__":
    main(sys.argv[1])
