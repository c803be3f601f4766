"""graphgrpc.torch: a served graph as a PyTorch layer. Its gradients pass torch's gradcheck, a model
holding it trains step for step like the same model written in torch, and its errors name the layer."""
import grpc
import numpy as np
import pytest
import torch
from torch import nn

from graphgrpc import Graph, from_torch
from graphgrpc.torch import RemoteGraph, RemoteLayerError, RemoteModule


def dense_tanh(rng):
    """tanh(x @ w + b) of a point x [3]: two parameters, an output [2]."""
    g = Graph()
    x = g.input("x", np.zeros(3))
    w = g.input("w", rng.normal(size=(3, 2)))
    b = g.input("b", rng.normal(size=2))
    return g.tanh(x @ w + b, id="h"), [x]


def scalar_of_two_inputs(rng):
    """log(sum(exp(x) * y) + c) - w . x: a scalar per point from two batch inputs, a shared parameter
    w used twice (a fork) and a constant."""
    g = Graph()
    x = g.input("x", np.zeros(4))
    y = g.input("y", np.zeros(4))
    w = g.input("w", rng.normal(size=4))
    total = g.sum(g.exp(x) * y * w) + g.constant(3.0)
    return g.log(total, id="s") - x @ w, [x, y]


def softmax_of_matrix(rng):
    """softmax over the rows of a point [2, 3] scaled by a parameter, then squared: matrix points."""
    g = Graph()
    x = g.input("x", np.zeros((2, 3)))
    scale = g.input("scale", rng.uniform(0.5, 1.5, size=3))
    return g.square(g.softmax(x * scale, axis=1), id="p"), [x]


GRAPHS = {"dense_tanh": dense_tanh, "scalar_of_two_inputs": scalar_of_two_inputs,
          "softmax_of_matrix": softmax_of_matrix}


def batch_for(remote, points, rng):
    """Random batch inputs, positive for y so that the log stays defined."""
    return [torch.tensor(rng.uniform(0.1, 1.0, size=(points, *remote.shapes[i])), requires_grad=True)
            for i in remote.input_ids]


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_gradients_pass_gradcheck_in_float64(address, name):
    rng = np.random.default_rng(sum(map(ord, name)))
    output, inputs = GRAPHS[name](rng)
    remote = RemoteGraph(output, inputs, client=address, name=name)
    parameters = [torch.tensor(remote.initial_values[i], requires_grad=True) for i in remote.parameter_ids]
    tensors = (*batch_for(remote, 5, rng), *parameters)

    assert torch.autograd.gradcheck(remote, tensors, eps=1e-6, atol=1e-7, rtol=1e-6)


def test_only_the_tensors_that_need_gradients_get_them(address):
    output, inputs = scalar_of_two_inputs(np.random.default_rng(3))
    remote = RemoteGraph(output, inputs, client=address)
    x, y = batch_for(remote, 6, np.random.default_rng(4))
    y.requires_grad_(False)
    w = torch.tensor(remote.initial_values["w"], requires_grad=True)

    gx, gw = torch.autograd.grad(remote(x, y, w).sum(), [x, w])

    # The same function in torch.
    xr, wr = x.detach().requires_grad_(), w.detach().requires_grad_()
    expected = (torch.log((torch.exp(xr) * y * wr).sum(dim=1) + 3.0) - xr @ wr).sum()
    ex, ew = torch.autograd.grad(expected, [xr, wr])
    torch.testing.assert_close(gx, ex, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(gw, ew, rtol=1e-12, atol=1e-14)


class LocalRemoteLocal(nn.Module):
    """A local linear layer, the remote block tanh(h @ w + b), a local linear read-out."""

    def __init__(self, block):
        super().__init__()
        torch.manual_seed(11)
        self.encode = nn.Linear(4, 3).double()
        self.block = block
        self.decode = nn.Linear(2, 1).double()

    def forward(self, x):
        return self.decode(self.block(torch.relu(self.encode(x)))).squeeze(1)


class TorchBlock(nn.Module):
    """The remote block written in torch, starting from the same w and b."""

    def __init__(self, w, b):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))
        self.b = nn.Parameter(torch.tensor(b))

    def forward(self, h):
        return torch.tanh(h @ self.w + self.b)


def test_a_model_with_a_remote_block_trains_like_the_same_model_in_torch(address):
    output, inputs = dense_tanh(np.random.default_rng(5))
    block = RemoteModule(output, inputs, client=address, name="block")
    remote_model = LocalRemoteLocal(block)
    torch_model = LocalRemoteLocal(TorchBlock(block.remote.initial_values["w"], block.remote.initial_values["b"]))
    data = np.random.default_rng(6)
    x = torch.tensor(data.normal(size=(64, 4)))
    target = torch.tensor(np.sin(data.normal(size=64)))
    remote_parameters = dict(remote_model.named_parameters())
    torch_parameters = dict(torch_model.named_parameters())
    assert set(remote_parameters) == set(torch_parameters) == {
        "encode.weight", "encode.bias", "block.w", "block.b", "decode.weight", "decode.bias"}
    names = sorted(remote_parameters)
    optimizers = [torch.optim.SGD(m.parameters(), lr=0.2) for m in (remote_model, torch_model)]

    losses = []
    for step in range(8):
        remote_loss = nn.functional.mse_loss(remote_model(x), target)
        torch_loss = nn.functional.mse_loss(torch_model(x), target)
        remote_gradients = torch.autograd.grad(remote_loss, [remote_parameters[n] for n in names])
        torch_gradients = torch.autograd.grad(torch_loss, [torch_parameters[n] for n in names])

        torch.testing.assert_close(remote_loss, torch_loss, rtol=1e-12, atol=0)
        for name, got, expected in zip(names, remote_gradients, torch_gradients):
            scale = expected.abs().max().item()
            torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12 * scale,
                                       msg=lambda m, n=name, s=step: f"step {s}, gradient of {n}: {m}")
        for model, gradients in ((remote_model, remote_gradients), (torch_model, torch_gradients)):
            parameters = dict(model.named_parameters())
            for name, gradient in zip(names, gradients):
                parameters[name].grad = gradient
        for optimizer in optimizers:
            optimizer.step()
        losses.append(remote_loss.item())

    assert losses[-1] < 0.8 * losses[0], f"the loss did not fall: {losses}"


def test_backward_through_loss_backward_fills_the_parameters_grad(address):
    output, inputs = dense_tanh(np.random.default_rng(7))
    block = RemoteModule(output, inputs, client=address)
    block(torch.ones(3, 3, dtype=torch.float64)).sum().backward()
    assert block.parameter("w").grad.shape == (3, 2) and block.parameter("b").grad.shape == (2,)
    assert torch.all(block.parameter("b").grad != 0)


def test_a_server_that_is_down_names_the_layer_and_the_address():
    output, inputs = dense_tanh(np.random.default_rng(8))
    # Port 1 on loopback: nothing listens there.
    block = RemoteModule(output, inputs, client="127.0.0.1:1", name="encoder_block")

    with pytest.raises(RemoteLayerError) as caught:
        block(torch.zeros(2, 3, dtype=torch.float64))

    message = str(caught.value)
    assert "remote layer 'encoder_block'" in message and "cannot reach the server at 127.0.0.1:1" in message
    assert "forward pass" in message and caught.value.code == grpc.StatusCode.UNAVAILABLE
    assert caught.value.layer == "encoder_block"


def test_a_batch_of_the_wrong_point_shape_names_the_layer_the_input_and_both_shapes(address):
    output, inputs = dense_tanh(np.random.default_rng(9))
    block = RemoteModule(output, inputs, client=address, name="block")

    with pytest.raises(ValueError) as caught:
        block(torch.zeros(8, 4, dtype=torch.float64))

    assert str(caught.value) == ("remote layer 'block': input 'x' takes a batch of points of shape [3], "
                                 "that is [N, 3], but got a tensor of shape [8, 4]")


def test_batch_inputs_with_different_point_counts_are_refused_by_name(address):
    output, inputs = scalar_of_two_inputs(np.random.default_rng(10))
    block = RemoteModule(output, inputs, client=address, name="pair")

    with pytest.raises(ValueError, match=r"remote layer 'pair': the batch inputs disagree on the number of "
                                         r"points: 'x' has 4, 'y' has 5"):
        block(torch.zeros(4, 4, dtype=torch.float64), torch.zeros(5, 4, dtype=torch.float64))


def test_a_graph_the_server_refuses_names_the_layer_and_every_problem(address):
    g = Graph()
    x = g.input("x", np.zeros(3))
    w = g.input("w", np.ones((4, 2)))  # x [3] @ w [4, 2] cannot multiply
    block = RemoteModule(g.matmul(x, w, id="product"), [x], client=address, name="bad_block")

    with pytest.raises(RemoteLayerError) as caught:
        block(torch.zeros(2, 3, dtype=torch.float64))

    message = str(caught.value)
    assert message.startswith("remote layer 'bad_block': the server refused the forward pass (INVALID_ARGUMENT")
    assert "product:" in message and "[SHAPE_MISMATCH]" in message


def test_a_parameter_of_the_wrong_shape_names_the_layer_and_the_parameter():
    output, inputs = dense_tanh(np.random.default_rng(12))
    remote = RemoteGraph(output, inputs, client="127.0.0.1:1", name="block")
    with pytest.raises(ValueError, match=r"remote layer 'block': parameter 'w' has shape \[3, 2\] in the graph, "
                                         r"but got \[2, 2\]"):
        remote(torch.zeros(1, 3), torch.zeros(2, 2), torch.zeros(2))


def test_a_float32_batch_comes_back_in_float32_with_float32_gradients(address):
    output, inputs = dense_tanh(np.random.default_rng(13))
    block = RemoteModule(output, inputs, client=address)
    x = torch.rand(4, 3, dtype=torch.float32, requires_grad=True)

    h = block(x)
    (gx,) = torch.autograd.grad(h.sum(), [x])

    assert h.dtype == gx.dtype == torch.float32 and gx.shape == (4, 3)
    w, b = (block.parameter(i).detach() for i in ("w", "b"))
    expected = torch.tanh(x.detach().double() @ w + b)
    torch.testing.assert_close(h, expected.float())


def test_the_vjp_of_each_point_is_bit_for_bit_a_seeded_evaluation(client):
    output, inputs = dense_tanh(np.random.default_rng(14))
    remote = RemoteGraph(output, inputs, client=client)
    rng = np.random.default_rng(15)
    xs, seeds = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))

    gradients = remote.vjp({"x": xs}, remote.initial_values, seeds, ["x", "w"])

    x = output.graph["x"]
    summed_w = np.zeros((3, 2))
    for i in range(6):
        x.value = xs[i]
        single = client.evaluate(output, seeds={output: seeds[i]}, wrt=["x", "w"])
        np.testing.assert_array_equal(gradients["x"][i], single.gradients["x"], err_msg=f"point {i}")
        summed_w += single.gradients["w"]
    np.testing.assert_allclose(gradients["w"], summed_w, rtol=1e-14)


def test_a_torch_block_imported_with_from_torch_serves_as_its_own_remote_layer(address):
    torch.manual_seed(16)
    local = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    graph = from_torch(local, torch.zeros(3, dtype=torch.float64))
    remote = RemoteModule(graph["output"], inputs=["input"], client=address, name="imported")
    assert sorted(name for name, _ in remote.named_parameters()) == ["0_bias", "0_weight", "2_bias", "2_weight"]
    x = torch.tensor(np.random.default_rng(17).normal(size=(5, 3)))

    remote(x).square().sum().backward()
    local(x).square().sum().backward()

    torch.testing.assert_close(remote(x), local(x), rtol=1e-12, atol=0)
    for name, parameter in local.named_parameters():
        torch.testing.assert_close(remote.parameter(name).grad, parameter.grad, rtol=1e-12, atol=1e-15)
