"""Every op of graph.proto, built with the Python builder, evaluated on the server and checked
against PyTorch in float64: the value, and the gradient of a random seed (a vector-Jacobian
product) with respect to every input and intermediate node."""
import numpy as np
import pytest

import reference
from graphgrpc import OPS, Graph


def positive(rng, *shape):
    return rng.uniform(0.5, 2.0, shape)


def signed(rng, *shape):
    # Away from 0, where abs and relu have a kink, and with no ties for maximum and minimum.
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# name -> a function that builds the case into a graph and returns its output.
CASES = {
    "add_broadcast": lambda g, r: g.input("a", signed(r, 2, 3)) + g.input("b", signed(r, 3)),
    "sub_broadcast": lambda g, r: g.input("a", signed(r, 2, 1)) - g.input("b", signed(r, 1, 3)),
    "mul_broadcast": lambda g, r: g.input("a", signed(r, 2, 3)) * g.input("b", signed(r, 2, 1)),
    "div": lambda g, r: g.input("a", signed(r, 2, 3)) / g.input("b", positive(r, 3)),
    "pow_exponent": lambda g, r: g.input("a", positive(r, 2, 3)) ** 2.5,
    "pow_tensor": lambda g, r: g.pow(g.input("a", positive(r, 2, 3)), g.input("b", signed(r, 2, 3))),
    "maximum": lambda g, r: g.maximum(g.input("a", signed(r, 2, 3)), g.input("b", signed(r, 2, 3))),
    "minimum": lambda g, r: g.minimum(g.input("a", signed(r, 4)), g.input("b", signed(r, 4))),
    "neg": lambda g, r: -g.input("a", signed(r, 3)),
    "exp": lambda g, r: g.exp(g.input("a", signed(r, 3))),
    "log": lambda g, r: g.log(g.input("a", positive(r, 3))),
    "sqrt": lambda g, r: g.sqrt(g.input("a", positive(r, 3))),
    "square": lambda g, r: g.square(g.input("a", signed(r, 3))),
    "abs": lambda g, r: abs(g.input("a", signed(r, 5))),
    "sin": lambda g, r: g.sin(g.input("a", signed(r, 3))),
    "cos": lambda g, r: g.cos(g.input("a", signed(r, 3))),
    "tanh": lambda g, r: g.tanh(g.input("a", signed(r, 3))),
    "sigmoid": lambda g, r: g.sigmoid(g.input("a", signed(r, 3))),
    "relu": lambda g, r: g.relu(g.input("a", signed(r, 6))),
    "sign": lambda g, r: g.sign(g.input("a", signed(r, 6))),
    "identity": lambda g, r: g.identity(g.input("a", signed(r, 2, 3))),
    "broadcast_to": lambda g, r: g.broadcast_to(g.input("a", signed(r, 3)), [2, 3]),
    "matmul_matrices": lambda g, r: g.input("a", signed(r, 2, 3)) @ g.input("b", signed(r, 3, 4)),
    "matmul_matrix_vector": lambda g, r: g.input("a", signed(r, 2, 3)) @ g.input("b", signed(r, 3)),
    "matmul_vector_matrix": lambda g, r: g.input("a", signed(r, 3)) @ g.input("b", signed(r, 3, 2)),
    "transpose_reverse": lambda g, r: g.input("a", signed(r, 2, 3)).T,
    "transpose_perm": lambda g, r: g.transpose(g.input("a", signed(r, 2, 3, 4)), perm=[1, 2, 0]),
    "reshape": lambda g, r: g.input("a", signed(r, 2, 3)).reshape([3, -1]),
    "sum_all": lambda g, r: g.input("a", signed(r, 2, 3)).sum(),
    "sum_axis_keep_dims": lambda g, r: g.sum(g.input("a", signed(r, 2, 3)), axes=1, keep_dims=True),
    "mean_all": lambda g, r: g.input("a", signed(r, 2, 3)).mean(),
    "mean_negative_axis": lambda g, r: g.mean(g.input("a", signed(r, 2, 3, 2)), axes=[-1, 0]),
    "softmax": lambda g, r: g.softmax(g.input("a", signed(r, 2, 3))),
    "softmax_axis0": lambda g, r: g.softmax(g.input("a", signed(r, 2, 3)), axis=0),
    "log_softmax": lambda g, r: g.input("a", signed(r, 2, 3)).log_softmax(),
    "mse_mean": lambda g, r: g.mse(g.input("p", signed(r, 4)), g.input("t", signed(r, 4))),
    "mse_sum": lambda g, r: g.mse(g.input("p", signed(r, 2, 2)), g.input("t", signed(r, 2, 2)), reduction="sum"),
    "cross_entropy_indices": lambda g, r: g.cross_entropy(g.input("logits", signed(r, 3, 4)), g.constant([0, 3, 1])),
    "cross_entropy_probabilities": lambda g, r: g.cross_entropy(
        g.input("logits", signed(r, 2, 3)), g.input("q", [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]), reduction="sum"),
    "cross_entropy_one_row": lambda g, r: g.cross_entropy(g.input("logits", signed(r, 4)), g.constant(2.0)),
    # The operators, mixed with numbers and numpy arrays.
    "operators": lambda g, r: (1 - g.input("x", positive(r, 3)) / 2 + np.array([1.0, 2.0, 3.0]) * g["x"]) ** 2
    / (3 + g["x"]) - 2 ** g["x"],
}


def build(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    graph = Graph()
    return graph, CASES[name](graph, rng), rng


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_torch(client, name):
    graph, output, rng = build(name)
    expected_values, _ = reference.evaluate(graph, [output.id])
    seed = rng.uniform(-1.0, 1.0, np.shape(expected_values[output.id]))
    expected_values, expected_gradients = reference.evaluate(graph, [output.id], {output.id: seed})

    result = client.evaluate(output, seeds={output: seed})

    assert set(result.values) == set(expected_values)
    for node_id, expected in expected_values.items():
        reference.assert_close(result.values[node_id], expected, f"value of {node_id}")
    inputs = {n.id for n in graph.nodes if n.op == "input"}
    assert inputs <= set(result.gradients), f"gradients for {sorted(result.gradients)}, missing inputs {sorted(inputs)}"
    for node_id, gradient in result.gradients.items():
        reference.assert_close(gradient, expected_gradients[node_id], f"gradient of {node_id}")


def test_the_cases_cover_every_op():
    used = {node.op for name in CASES for node in build(name)[0].nodes}
    assert used == set(OPS)
