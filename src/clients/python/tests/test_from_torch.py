"""graphgrpc.from_torch: every supported call, imported through torch.fx and evaluated on the server,
gives PyTorch's value and vector-Jacobian product in float64; so does a 3-layer MLP with its loss.
Unsupported calls fail naming the call, the source line and what is supported."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from graphgrpc import UnsupportedError, from_torch
from graphgrpc.torch_import import SUPPORTED

torch.manual_seed(0)


def signed(*shape):
    # Away from 0, where abs and relu have a kink, and with no ties for maximum and minimum.
    magnitude = torch.rand(*shape, dtype=torch.float64) * 1.5 + 0.25
    return torch.where(torch.rand(*shape) < 0.5, -magnitude, magnitude)


def positive(*shape):
    return torch.rand(*shape, dtype=torch.float64) * 1.5 + 0.5


def classes(*indices):
    return torch.tensor(indices)


def double(module):
    torch.manual_seed(sum(map(ord, type(module).__name__)))
    return module.double()


# What a user calls -> (the function or module, its example inputs).
CASES = {
    "a + b": (lambda x, y: x + y, [signed(2, 3), signed(3)]),
    "a - b": (lambda x, y: 1.5 - x - y, [signed(2, 3), signed(2, 1)]),
    "a * b": (lambda x, y: x * y * 2, [signed(2, 3), signed(3)]),
    "a / b": (lambda x, y: x / y / 4 + 1 / y, [signed(3), positive(3)]),
    "a ** b": (lambda x, y: x ** 2 + x ** y + 2 ** y, [positive(3), signed(3)]),
    "a @ b": (lambda x, y: x @ y, [signed(2, 3), signed(3, 4)]),
    "-a": (lambda x: -x, [signed(3)]),
    "a.T": (lambda x: x.T, [signed(2, 3)]),
    "torch.add": (lambda x, y: torch.add(x, y), [signed(3), signed(3)]),
    "torch.sub": (lambda x, y: torch.sub(x, y), [signed(3), signed(3)]),
    "torch.mul": (lambda x, y: torch.mul(x, y), [signed(3), signed(3)]),
    "torch.div": (lambda x, y: torch.div(x, y), [signed(3), positive(3)]),
    "torch.pow": (lambda x, y: torch.pow(x, y) + torch.pow(x, 3), [positive(3), signed(3)]),
    "torch.maximum": (lambda x, y: torch.maximum(x, y), [signed(4), signed(4)]),
    "torch.minimum": (lambda x, y: torch.minimum(x, y), [signed(4), signed(4)]),
    "torch.matmul": (lambda x, y: torch.matmul(x, y), [signed(2, 3), signed(3)]),
    "torch.mm": (lambda x, y: torch.mm(x, y), [signed(2, 3), signed(3, 2)]),
    "torch.neg": (lambda x: torch.neg(x), [signed(3)]),
    "torch.exp": (lambda x: torch.exp(x), [signed(3)]),
    "torch.log": (lambda x: torch.log(x), [positive(3)]),
    "torch.sqrt": (lambda x: torch.sqrt(x), [positive(3)]),
    "torch.square": (lambda x: torch.square(x), [signed(3)]),
    "torch.abs": (lambda x: torch.abs(x), [signed(5)]),
    "torch.sin": (lambda x: torch.sin(x), [signed(3)]),
    "torch.cos": (lambda x: torch.cos(x), [signed(3)]),
    "torch.tanh": (lambda x: torch.tanh(x), [signed(3)]),
    "torch.sigmoid": (lambda x: torch.sigmoid(x), [signed(3)]),
    "torch.relu": (lambda x: torch.relu(x), [signed(6)]),
    "torch.sum": (lambda x: torch.sum(x, dim=1, keepdim=True) + torch.sum(x), [signed(2, 3)]),
    "torch.mean": (lambda x: torch.mean(x, (0, 2)), [signed(2, 3, 2)]),
    "torch.softmax": (lambda x: torch.softmax(x, 0), [signed(2, 3)]),
    "torch.log_softmax": (lambda x: torch.log_softmax(x, dim=-1), [signed(2, 3)]),
    "torch.transpose": (lambda x: torch.transpose(x, 0, 2), [signed(2, 3, 4)]),
    "torch.t": (lambda x: torch.t(x), [signed(2, 3)]),
    "torch.permute": (lambda x: torch.permute(x, (1, 2, 0)), [signed(2, 3, 4)]),
    "torch.reshape": (lambda x: torch.reshape(x, (3, -1)), [signed(2, 3)]),
    "torch.flatten": (lambda x: torch.flatten(x, 1), [signed(2, 3, 2)]),
    "F.relu": (lambda x: F.relu(x), [signed(6)]),
    "F.linear": (lambda x, w, b: F.linear(x, w, b) + F.linear(x, w), [signed(4, 3), signed(2, 3), signed(2)]),
    "F.softmax": (lambda x: F.softmax(x, dim=1), [signed(2, 3)]),
    "F.log_softmax": (lambda x: F.log_softmax(x, dim=0), [signed(2, 3)]),
    "F.mse_loss": (lambda x, y: F.mse_loss(x, y) + F.mse_loss(x, y, reduction="sum"), [signed(4), signed(4)]),
    "F.cross_entropy": (lambda x, t: F.cross_entropy(x, t, reduction="sum"), [signed(3, 4), classes(0, 3, 1)]),
    "Tensor.add": (lambda x, y: x.add(y), [signed(3), signed(3)]),
    "Tensor.sub": (lambda x, y: x.sub(y), [signed(3), signed(3)]),
    "Tensor.mul": (lambda x, y: x.mul(y), [signed(3), signed(3)]),
    "Tensor.div": (lambda x, y: x.div(y), [signed(3), positive(3)]),
    "Tensor.pow": (lambda x: x.pow(2.5), [positive(3)]),
    "Tensor.matmul": (lambda x, y: x.matmul(y), [signed(3), signed(3, 2)]),
    "Tensor.neg": (lambda x: x.neg(), [signed(3)]),
    "Tensor.exp": (lambda x: x.exp(), [signed(3)]),
    "Tensor.log": (lambda x: x.log(), [positive(3)]),
    "Tensor.sqrt": (lambda x: x.sqrt(), [positive(3)]),
    "Tensor.square": (lambda x: x.square(), [signed(3)]),
    "Tensor.abs": (lambda x: x.abs(), [signed(5)]),
    "Tensor.sin": (lambda x: x.sin(), [signed(3)]),
    "Tensor.cos": (lambda x: x.cos(), [signed(3)]),
    "Tensor.tanh": (lambda x: x.tanh(), [signed(3)]),
    "Tensor.sigmoid": (lambda x: x.sigmoid(), [signed(3)]),
    "Tensor.relu": (lambda x: x.relu(), [signed(6)]),
    "Tensor.sum": (lambda x: x.sum(0) * x.sum(), [signed(2, 3)]),
    "Tensor.mean": (lambda x: x.mean(-1, True), [signed(2, 3)]),
    "Tensor.softmax": (lambda x: x.softmax(1), [signed(2, 3)]),
    "Tensor.log_softmax": (lambda x: x.log_softmax(-1), [signed(2, 3)]),
    "Tensor.transpose": (lambda x: x.transpose(0, 1), [signed(2, 3)]),
    "Tensor.t": (lambda x: x.t() + x.sum(0).t(), [signed(3, 3)]),
    "Tensor.permute": (lambda x: x.permute(2, 0, 1), [signed(2, 3, 4)]),
    "Tensor.reshape": (lambda x: x.reshape(2, 3) + x.reshape((2, 3)), [signed(3, 2)]),
    "Tensor.view": (lambda x: x.view(-1), [signed(3, 2)]),
    "Tensor.flatten": (lambda x: x.flatten(), [signed(3, 2)]),
    "nn.Linear": (double(nn.Linear(3, 2)), [signed(4, 3)]),
    "nn.Tanh": (nn.Tanh(), [signed(3)]),
    "nn.ReLU": (nn.ReLU(), [signed(6)]),
    "nn.Sigmoid": (nn.Sigmoid(), [signed(3)]),
    "nn.Softmax": (nn.Softmax(dim=0), [signed(2, 3)]),
    "nn.LogSoftmax": (nn.LogSoftmax(dim=1), [signed(2, 3)]),
    "nn.Flatten": (nn.Flatten(), [signed(2, 3, 2)]),
    "nn.Identity": (nn.Sequential(nn.Identity(), nn.Tanh()), [signed(3)]),
    "nn.MSELoss": (nn.MSELoss(reduction="sum"), [signed(4), signed(4)]),
    "nn.CrossEntropyLoss": (nn.CrossEntropyLoss(), [signed(3, 4), classes(2, 0, 1)]),
}


def torch_reference(fn, examples, seed):
    """fn's value at the examples and the gradient of sum(value * seed) for each float example and parameter."""
    leaves = [e.clone().requires_grad_(e.is_floating_point()) for e in examples]
    parameters = dict(fn.named_parameters()) if isinstance(fn, nn.Module) else {}
    value = fn(*leaves)
    wrt = [leaf for leaf in leaves if leaf.requires_grad] + list(parameters.values())
    seed = torch.ones_like(value) if seed is None else torch.as_tensor(seed)
    gradients = torch.autograd.grad(value, wrt, seed) if wrt else ()
    return value.detach().numpy(), [g.numpy() for g in gradients]


def check_against_torch(client, fn, examples, rng):
    graph = from_torch(fn, *examples)
    placeholders = [n.id for n in graph.nodes if n.op == "input"][:len(examples)]
    parameters = [name for name, _ in fn.named_parameters()] if isinstance(fn, nn.Module) else []
    wrt = [i for i, e in zip(placeholders, examples) if e.is_floating_point()] + parameters
    expected_value, _ = torch_reference(fn, examples, None)
    seed = rng.uniform(-1.0, 1.0, np.shape(expected_value))
    expected_value, expected_gradients = torch_reference(fn, examples, seed)

    result = client.evaluate(graph["output"], wrt=wrt, seeds={"output": seed})

    np.testing.assert_allclose(result.values["output"], expected_value, rtol=1e-12, atol=1e-14, err_msg="value")
    assert np.shape(result.values["output"]) == np.shape(expected_value)
    for node_id, expected in zip(wrt, expected_gradients):
        np.testing.assert_allclose(result.gradients[node_id], expected, rtol=1e-12, atol=1e-14,
                                   err_msg=f"gradient of {node_id}")


@pytest.mark.parametrize("call", sorted(CASES))
def test_a_supported_call_gives_torchs_value_and_gradients(client, call):
    fn, examples = CASES[call]
    check_against_torch(client, fn, examples, np.random.default_rng(sum(map(ord, call))))


def test_the_cases_cover_every_supported_call():
    assert sorted(CASES) == sorted(SUPPORTED)


class MLP(nn.Module):
    """Three linear layers with tanh and relu between them, and the mean squared error to a target."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.layers = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2)).double()

    def forward(self, x, target):
        return F.mse_loss(self.layers(x), target)


def test_a_three_layer_mlp_gives_torchs_loss_and_gradients(client):
    model = MLP()
    data = np.random.default_rng(4)
    x, target = torch.tensor(data.normal(size=(32, 4))), torch.tensor(data.normal(size=(32, 2)))

    graph = from_torch(model, x, target)
    parameter_names = [name for name, _ in model.named_parameters()]
    assert {n.id for n in graph.nodes if n.op == "input"} == {"x", "target", *parameter_names}
    result = client.evaluate(graph["output"], wrt=parameter_names + ["x"])

    xr = x.clone().requires_grad_()
    loss = model(xr, target)
    expected = torch.autograd.grad(loss, list(model.parameters()) + [xr])
    np.testing.assert_allclose(result.values["output"], loss.item(), rtol=1e-12)
    for name, gradient in zip(parameter_names + ["x"], expected):
        np.testing.assert_allclose(result.gradients[name], gradient.numpy(), rtol=1e-12, atol=1e-15,
                                   err_msg=f"gradient of {name}")


def test_a_parameter_used_twice_is_one_leaf_whose_gradients_sum(client):
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64))

        def forward(self, x):
            return (torch.tanh(x @ self.w) @ self.w).sum()

    model = Tied()
    check_against_torch(client, model, [signed(3, 2)], np.random.default_rng(5))
    assert [n.id for n in from_torch(model, signed(3, 2)).nodes if n.op == "input"] == ["x", "w"]


def test_a_tuple_of_results_names_each_output():
    graph = from_torch(lambda x: (x.exp(), x.sin()), signed(3))
    assert graph["output_0"].op == "exp" and graph["output_1"].op == "sin"


def test_an_unsupported_call_names_itself_its_line_and_the_supported_calls():
    def cumulative(x):
        return torch.cumsum(x, 0) * 2

    with pytest.raises(UnsupportedError) as caught:
        from_torch(cumulative, signed(3))

    message = str(caught.value)
    assert message.startswith(f"from_torch: the call 'torch.cumsum' at {__file__}:")
    assert "(`return torch.cumsum(x, 0) * 2`) is not supported. Supported: a + b, a - b," in message
    assert "nn.Linear" in message and "F.cross_entropy" in message


def test_an_unsupported_module_names_its_path_and_class():
    model = nn.Sequential(nn.Linear(3, 3), nn.Conv1d(1, 1, 1))
    with pytest.raises(UnsupportedError, match=r"^from_torch: the module '1' \(nn\.Conv1d\) .*is not supported\. "
                                               r"Supported: "):
        from_torch(model, torch.zeros(1, 3))


def test_an_unsupported_argument_names_the_call_and_the_argument():
    def smoothed(x, t):
        return F.cross_entropy(x, t, label_smoothing=0.1)

    with pytest.raises(UnsupportedError) as caught:
        from_torch(smoothed, signed(2, 3), classes(0, 2))

    assert str(caught.value) == (f"from_torch: F.cross_entropy at {__file__}:"
                                 f"{smoothed.__code__.co_firstlineno + 1} "
                                 "(`return F.cross_entropy(x, t, label_smoothing=0.1)`) cannot take label_smoothing=0.1")


def test_an_in_place_relu_is_refused():
    with pytest.raises(UnsupportedError, match=r"nn\.ReLU .*cannot take inplace=True"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.ReLU(inplace=True)), torch.zeros(2))


def test_the_wrong_number_of_examples_is_refused():
    with pytest.raises(ValueError, match=r"the function takes 2 argument\(s\) \(x, y\), but 1 example\(s\) were given"):
        from_torch(lambda x, y: x + y, signed(3))
