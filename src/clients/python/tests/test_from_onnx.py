"""graphgrpc.from_onnx: models exported by torch.onnx.export (an MLP, a softmax classifier, and one
small model per op) give torch's values and vector-Jacobian products when the server evaluates
them; unsupported ops and attributes fail naming the node, the op and what is supported."""
import io
import os
import subprocess
import sys
import warnings

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper
from torch import nn

from conftest import PACKAGE_ROOT
from graphgrpc import Graph, UnsupportedError, from_onnx
from graphgrpc.onnx_import import OPS

DOUBLE = torch.float64


def export(fn, examples, **options):
    """The ONNX bytes of fn (a module, or a function wrapped in one) at the examples, inputs named x0, x1, ..."""
    module = fn if isinstance(fn, nn.Module) else _Wrapped(fn)
    names = [f"x{i}" for i in range(len(examples))]
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(examples), buffer, input_names=names, output_names=["y"], **options)
    return buffer.getvalue()


class _Wrapped(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def rand(*shape, low=-1.5, high=1.5, seed=0):
    return torch.tensor(np.random.default_rng(seed + len(shape)).uniform(low, high, shape))


def positive(*shape):
    return rand(*shape, low=0.5, high=2.0, seed=1)


def check_against_torch(client, fn, examples, model, trainable=(), seed=0):
    """Evaluates the imported model with a random seed on y and compares y and the gradients of
    every input and trainable parameter with torch's."""
    graph = from_onnx(model, inputs={f"x{i}": e.numpy() for i, e in enumerate(examples)}, trainable=trainable)
    leaves = [e.clone().requires_grad_() for e in examples]
    parameters = dict(fn.named_parameters()) if isinstance(fn, nn.Module) else {}
    value = fn(*leaves)
    weight = np.random.default_rng(seed).uniform(-1.0, 1.0, tuple(value.shape))
    expected = torch.autograd.grad(value, leaves + [parameters[n] for n in trainable], torch.tensor(weight))
    wrt = [f"x{i}" for i in range(len(examples))] + list(trainable)

    result = client.evaluate(graph["y"], wrt=wrt, seeds={"y": weight})

    np.testing.assert_allclose(result.values["y"], value.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg="y")
    assert np.shape(result.values["y"]) == tuple(value.shape)
    for name, gradient in zip(wrt, expected):
        np.testing.assert_allclose(result.gradients[name], gradient.numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=f"gradient of {name}")
    return graph


# One small torch function per op (the ops each model holds are checked below).
CASES = {
    "arithmetic": (lambda a, b: a / b - a * b + (a + b) ** 3 - a ** b, [positive(3), positive(3)]),
    "max_min": (lambda a, b: torch.maximum(a, b) * torch.minimum(a, -b), [rand(4), rand(4, seed=5)]),
    "unary": (lambda a: a.exp().sin().cos().tanh().sigmoid().relu().neg().abs() + a.abs().sqrt().log(), [rand(5)]),
    "matmul": (lambda a, b: a @ b, [rand(2, 3), rand(3, 4, seed=2)]),
    "gemm_alpha_beta_transposed": (lambda c, a, b: torch.addmm(c, a.t(), b.t(), beta=0.5, alpha=2.0),
                                   [rand(2, 3), rand(4, 2, seed=3), rand(3, 4, seed=4)]),
    "transpose": (lambda a: a.permute(2, 0, 1) * 2, [rand(2, 3, 4)]),
    "reshape": (lambda a: a.reshape(3, 2, 1) + a.reshape(-1, 6).t().reshape(3, 2, 1), [rand(2, 3)]),
    "flatten": (lambda a: torch.flatten(a, 1), [rand(2, 3, 2)]),
    "reduce_sum": (lambda a: a.sum(1, keepdim=True) * a.sum(), [rand(2, 3)]),
    "reduce_mean": (lambda a: a.mean((0, 2)) + a.mean(), [rand(2, 3, 2)]),
    "softmax": (lambda a: torch.softmax(a, 0) + torch.softmax(a, -1), [rand(2, 3)]),
    "log_softmax": (lambda a: F.log_softmax(a, dim=1), [rand(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_exported_function_gives_torchs_values_and_gradients(client, name):
    fn, examples = CASES[name]
    check_against_torch(client, fn, examples, export(fn, examples), seed=len(name))


def test_softmax_before_opset_13_over_the_last_axis(client):
    fn, examples = (lambda a: torch.softmax(a, -1) * torch.log_softmax(a, 2)), [rand(2, 3, 4)]
    model = export(fn, examples, opset_version=11)
    assert {"Softmax", "LogSoftmax"} <= {n.op_type for n in onnx.load_from_string(model).graph.node}
    check_against_torch(client, fn, examples, model)


def identity_cast_and_variadic_max():
    """A model torch does not export: y = Identity(Cast(Max(x0, x1, x2) to double)) with Min of one input."""
    inputs = [helper.make_tensor_value_info(f"x{i}", TensorProto.DOUBLE, [3]) for i in range(3)]
    nodes = [helper.make_node("Max", ["x0", "x1", "x2"], ["m"], name="max3"),
             helper.make_node("Min", ["m"], ["n"], name="min1"),
             helper.make_node("Cast", ["n"], ["c"], name="cast", to=TensorProto.DOUBLE),
             helper.make_node("Identity", ["c"], ["y"], name="identity")]
    graph = helper.make_graph(nodes, "hand", inputs, [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [3])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def test_identity_cast_and_max_of_three_inputs(client):
    examples = [rand(3, seed=s) for s in (6, 7, 8)]
    check_against_torch(client, lambda a, b, c: torch.maximum(torch.maximum(a, b), c), examples,
                        identity_cast_and_variadic_max())


def test_the_cases_hold_every_supported_op():
    held = {n.op_type for fn, examples in CASES.values() for n in onnx.load_from_string(export(fn, examples)).graph.node}
    held |= {n.op_type for n in identity_cast_and_variadic_max().graph.node}
    assert held == set(OPS)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(21)
        self.layers = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2)).double()

    def forward(self, x):
        return self.layers(x)


def test_an_exported_mlp_from_a_file_gives_torchs_values_and_every_gradient(client, tmp_path):
    model, x = MLP(), rand(6, 4, seed=9)
    path = tmp_path / "mlp.onnx"
    path.write_bytes(export(model, [x]))
    parameters = [name for name, _ in model.named_parameters()]

    graph = check_against_torch(client, model, [x], path, trainable=parameters)

    assert {n.id for n in graph.nodes if n.op == "input"} == {"x0", *parameters}


class SoftmaxClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(22)
        self.linear = nn.Linear(5, 3).double()

    def forward(self, x):
        return torch.softmax(self.linear(x), dim=1)


def test_an_exported_softmax_classifier_with_a_dynamic_batch_gives_torchs_values_and_gradients(client):
    model, x = SoftmaxClassifier(), rand(7, 5, seed=10)
    exported = export(model, [rand(2, 5)], dynamic_axes={"x0": {0: "batch"}, "y": {0: "batch"}})

    check_against_torch(client, model, [x], exported, trainable=["linear.weight", "linear.bias"])


def test_initializers_are_constants_unless_trainable():
    exported = export(SoftmaxClassifier(), [rand(2, 5)])
    ops = {n.id: n.op for n in from_onnx(exported).nodes}
    assert ops["linear.weight"] == ops["linear.bias"] == "constant"
    ops = {n.id: n.op for n in from_onnx(exported, trainable=["linear.weight"]).nodes}
    assert ops["linear.weight"] == "input" and ops["linear.bias"] == "constant"


def test_a_symbolic_dimension_without_a_value_is_refused_by_name():
    exported = export(SoftmaxClassifier(), [rand(2, 5)], dynamic_axes={"x0": {0: "batch"}})
    with pytest.raises(ValueError, match=r"input 'x0' has symbolic dimensions \['\?', 5\]; give its value in `inputs`"):
        from_onnx(exported)


def test_an_unsupported_op_names_the_node_the_op_and_the_supported_ops():
    exported = export(lambda a: torch.cumsum(a, 0), [rand(3)])
    node = onnx.load_from_string(exported).graph.node[-1]
    with pytest.raises(UnsupportedError) as caught:
        from_onnx(exported)
    assert str(caught.value) == (f"from_onnx: node '{node.name}' (CumSum, output 'y'): the op CumSum is not supported. "
                                 f"Supported: {', '.join(OPS)}")


def test_an_unsupported_attribute_names_the_node_and_what_the_op_takes():
    x = helper.make_tensor_value_info("x", TensorProto.DOUBLE, [2, 3])
    node = helper.make_node("Softmax", ["x"], ["y"], name="soft", axis=1, precision=2)
    graph = helper.make_graph([node], "g", [x], [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [2, 3])])
    with pytest.raises(UnsupportedError, match=r"^from_onnx: node 'soft' \(Softmax, output 'y'\): the attribute\(s\) "
                                               r"precision are not supported; Softmax takes axis$"):
        from_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]))


def test_a_shape_computed_at_run_time_is_refused_by_name():
    exported = export(lambda a: a.flatten(), [rand(2, 3)])
    with pytest.raises(UnsupportedError, match=r"from_onnx: node '[^']*' \((Shape|Slice|Concat|Reshape), .*"):
        from_onnx(exported)


def run_import(*arguments):
    environment = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    return subprocess.run([sys.executable, "-m", "graphgrpc", "import", *arguments], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_the_command_line_writes_the_graph_file_that_from_onnx_gives(client, tmp_path):
    model = SoftmaxClassifier()
    (tmp_path / "classifier.onnx").write_bytes(export(model, [rand(2, 5)], dynamic_axes={"x0": {0: "batch"}}))

    run = run_import(str(tmp_path / "classifier.onnx"), "-o", str(tmp_path / "graph.json"), "--trainable", "all",
                     "--shape", "x0=4,5")

    assert run.returncode == 0, run.stderr
    graph = Graph.from_json((tmp_path / "graph.json").read_text())
    assert run.stdout == f"wrote {tmp_path / 'graph.json'}: {len(graph)} nodes\n"
    assert graph["x0"].value.shape == (4, 5) and graph["linear.weight"].op == "input"
    x = rand(4, 5, seed=11)
    graph["x0"].value = x.numpy()
    result = client.evaluate(graph["y"], wrt=["linear.weight"])
    xr = x.clone()
    expected = torch.autograd.grad(model(xr).sum(), [model.linear.weight])[0]
    np.testing.assert_allclose(result.values["y"], model(xr).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.gradients["linear.weight"], expected.numpy(), rtol=1e-12, atol=1e-15)


def test_the_command_line_reports_an_unsupported_model_and_exits_with_1(tmp_path):
    (tmp_path / "cumsum.onnx").write_bytes(export(lambda a: torch.cumsum(a, 0), [rand(3)]))

    run = run_import(str(tmp_path / "cumsum.onnx"), "-o", str(tmp_path / "graph.json"))

    assert run.returncode == 1 and not (tmp_path / "graph.json").exists()
    assert run.stderr.startswith("graphgrpc import: from_onnx: node ") and "the op CumSum is not supported" in run.stderr


@pytest.mark.parametrize("axis, shape", [(1, [2, 12]), (-1, [6, 4]), (0, [1, 24]), (3, [24, 1])])
def test_flatten_keeps_the_axes_before_axis_apart(axis, shape):
    x = helper.make_tensor_value_info("x", TensorProto.DOUBLE, [2, 3, 4])
    node = helper.make_node("Flatten", ["x"], ["y"], axis=axis)
    graph = helper.make_graph([node], "g", [x], [helper.make_tensor_value_info("y", TensorProto.DOUBLE, shape)])
    imported = from_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]))
    assert list(imported["y"].attributes.shape) == shape
