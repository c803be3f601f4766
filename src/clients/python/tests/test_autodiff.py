"""The gradient as a graph and forward mode from Python: differentiate, tangents in evaluate and
evaluate_batch, hvp and hessian against PyTorch, bad input named, and the Newton example."""
import re

import numpy as np
import pytest
import torch
from torch.autograd import forward_ad

from graphgrpc import Graph, GraphError
from test_example import run_example


def seed002():
    """z = log(3x^2 + 5xy) at x = 2, y = 3."""
    g = Graph()
    x, y = g.input("x", 2.0), g.input("y", 3.0)
    return x, y, g.log(3 * x ** 2 + 5 * x * y, id="z")


def vector_function():
    """A scalar of a vector and a matrix input, built in graphgrpc and in torch alike."""
    rng = np.random.default_rng(7)
    a0, m0 = rng.normal(size=3), rng.normal(size=(3, 3))
    g = Graph()
    a, m = g.input("a", a0), g.input("m", m0)
    f = g.add(g.sum(g.tanh(m @ a) * g.sin(a)), g.sum(g.exp(-g.square(m))) * g.sum(a * a), id="f")

    def torch_f(ta, tm):
        return (torch.tanh(tm @ ta) * torch.sin(ta)).sum() + torch.exp(-tm ** 2).sum() * (ta * ta).sum()

    return a, m, f, torch_f, a0, m0


def test_differentiate_gives_a_graph_that_evaluates_to_the_gradients(client):
    x, y, z = seed002()
    gradient = client.differentiate(z, wrt=[x, y])
    assert [(o, w, n.id) for o, w, n in gradient.sinks] == [("z", "x", "grad(z, x)"), ("z", "y", "grad(z, y)")]
    assert len(gradient.plan_hash) == 64
    values = client.evaluate(gradient.graph, gradients="none").values
    expected = client.evaluate(z, wrt=[x, y]).gradients
    assert float(values["grad(z, x)"]) == pytest.approx(float(expected[x]), rel=1e-15)
    assert float(values["grad(z, x)"]) == pytest.approx(27 / 42, rel=1e-15)
    assert float(values[gradient.sink(y)]) == pytest.approx(float(expected[y]), rel=1e-15)


def test_differentiating_twice_matches_torch_double_backward(client):
    a, m, f, torch_f, a0, m0 = vector_function()
    first = client.differentiate(f, wrt=[a])
    second = client.differentiate(first.sink(a), wrt=[a, m], graph=first.graph, seeds_as_inputs=True)
    v = np.array([0.5, -1.0, 2.0])
    assert second.seeds["grad(f, a)"].id == "seed(grad(f, a))"
    second.seeds["grad(f, a)"].value = v
    values = client.evaluate(second.graph, gradients="none").values

    ta = torch.tensor(a0, requires_grad=True)
    tm = torch.tensor(m0, requires_grad=True)
    (ga,) = torch.autograd.grad(torch_f(ta, tm), [ta], create_graph=True)
    hva, hvm = torch.autograd.grad(ga, [ta, tm], torch.tensor(v))
    np.testing.assert_allclose(values[second.sink(a)], hva.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(values[second.sink(m)], hvm.numpy(), rtol=1e-12, atol=1e-13)


def test_tangents_match_torch_forward_ad_and_follow_the_value_selection(client):
    a, m, f, torch_f, a0, m0 = vector_function()
    da, dm = np.array([1.0, 0.0, -0.5]), np.full((3, 3), 0.25)
    result = client.evaluate(f, tangents={a: da, m: dm})
    with forward_ad.dual_level():
        dual = torch_f(forward_ad.make_dual(torch.tensor(a0), torch.tensor(da)),
                       forward_ad.make_dual(torch.tensor(m0), torch.tensor(dm)))
        expected = forward_ad.unpack_dual(dual).tangent.numpy()
    assert result.tangents[f] == pytest.approx(expected, rel=1e-13)
    np.testing.assert_array_equal(result.tangents[a], da)
    assert set(result.tangents) == set(result.values)

    only_f = client.evaluate(f, tangents={a: da}, values=[f])
    assert list(only_f.tangents) == [f.id]


def test_stream_evaluate_sends_each_tangent_right_after_its_value(client):
    x, y, z = seed002()
    events = [e for e in client.stream_evaluate(z, tangents={x: 1.0, y: 2.0}) if e.kind in ("value", "tangent")]
    assert [e.kind for e in events] == ["value", "tangent"] * 10
    assert all(v.node_id == t.node_id for v, t in zip(events[::2], events[1::2]))
    assert events[-1].array == pytest.approx(47 / 42)


def test_evaluate_batch_tangents_equal_each_point_alone_bit_for_bit(client):
    x, y, z = seed002()
    rng = np.random.default_rng(3)
    xs, ys, dxs = rng.uniform(0.5, 3, 50), rng.uniform(0.5, 3, 50), rng.normal(size=50)
    batch = client.evaluate_batch(z, {x: xs, y: ys}, tangents={x: dxs}, chunk_size=16, forward_only=True)
    assert batch.tangents[z].shape == (50,) and len(batch.gradients) == 0
    for p in range(0, 50, 7):
        x.value, y.value = xs[p], ys[p]
        assert batch.tangents[z][p] == client.evaluate(z, tangents={x: dxs[p]}, values=[z]).tangents[z]


def test_hvp_and_hessian_match_torch(client):
    a, m, f, torch_f, a0, m0 = vector_function()
    v = {a: np.array([1.0, 2.0, -1.0]), m: np.eye(3)}
    hessian = torch.autograd.functional.hessian(torch_f, (torch.tensor(a0), torch.tensor(m0)))

    product = client.hvp(f, {a: a0, m: m0}, v)
    expected_a = hessian[0][0].numpy() @ v[a] + np.einsum("ijk,jk->i", hessian[0][1].numpy(), v[m])
    np.testing.assert_allclose(product[a], expected_a, rtol=1e-12, atol=1e-13)

    full = client.hessian(f, {a: a0, m: m0})
    for i, p in enumerate((a, m)):
        for j, q in enumerate((a, m)):
            np.testing.assert_allclose(full[p][q], hessian[i][j].numpy(), rtol=1e-12, atol=1e-13)


def test_bad_tangents_and_directions_are_named(client):
    x, y, z = seed002()
    with pytest.raises(GraphError) as error:
        client.evaluate(z, tangents={z: 1.0, x: [1.0, 2.0], "nowhere": 1.0})
    assert {p.node_id for p in error.value.problems} == {"z", "x", "nowhere"}
    with pytest.raises(ValueError, match="'q', which is not one of the inputs"):
        client.hvp(z, {x: 2.0}, {"q": 1.0})
    with pytest.raises(ValueError, match="not one of the batch inputs"):
        client.evaluate_batch(z, {x: [1.0]}, tangents={y: [1.0]})
    with pytest.raises(GraphError) as error:
        client.differentiate(z, wrt=["w"])
    assert [(p.node_id, p.kind) for p in error.value.problems] == [("w", "UNKNOWN_WRT")]


def test_newton_step_example_converges_quadratically(address):
    stdout = run_example("newton_step.py", address)
    norms = [float(v) for v in re.findall(r"\|gradient\| ([0-9.e+-]+)$", stdout, re.MULTILINE)]
    assert norms[0] > 50 and norms[-1] < 1e-10, stdout
    # Quadratic convergence: near the optimum (and above rounding) each norm is below the square of the last.
    close = [(earlier, later) for earlier, later in zip(norms, norms[1:]) if 1e-6 < earlier < 0.5]
    assert len(close) >= 3 and all(later < earlier ** 2 for earlier, later in close), stdout
    assert re.search(r"^final \|gradient\| [0-9.e+-]+ \(target below 1e-10\)$", stdout, re.MULTILINE)
