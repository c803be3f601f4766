"""Validate, Evaluate (streamed) and EvaluateUnary through the client: the seed examples, the
order of the stream, node selections, and errors that carry every problem."""
import math

import grpc
import numpy as np
import pytest

import reference
from conftest import seed_file
from graphgrpc import Client, Graph, GraphError, GraphGrpcError, Problem

SEEDS = ["seed000-gradient-flow.json", "seed001-neural-layer.json", "seed001-sin-of-square.json",
         "seed001-sum-of-paths.json", "seed002-log-expression.json", "seed003-squared-error.json"]


def test_five_lines_to_the_first_gradient(client):
    g = Graph()
    x, y = g.input("x", 2.0), g.input("y", 3.0)
    z = g.log(3 * x**2 + 5 * x * y)
    result = client.evaluate(z, wrt=[x, y])
    assert result.values[z] == pytest.approx(math.log(42))
    assert result.gradients[x] == pytest.approx((6 * 2 + 5 * 3) / 42)
    assert result.gradients["y"] == pytest.approx(5 * 2 / 42)
    assert result.values[z].shape == () and isinstance(result.values[z], np.ndarray)


@pytest.mark.parametrize("name, wrt, expected", [
    ("seed000-gradient-flow.json", ["d", "a", "o"], {"g": 3732.5, "d": 282.0, "a": -4482.0, "o": -1.0}),
    ("seed001-sum-of-paths.json", None, {"f": 15.0, "x": 8.0, "y": 3.0}),
    ("seed002-log-expression.json", None, {"z": math.log(42), "x": 27 / 42, "y": 10 / 42}),
    ("seed003-squared-error.json", None, {"L": 4.0, "x": 12.0, "w": 8.0, "b": 4.0, "y": -4.0}),
])
def test_seed_examples_match_their_closed_forms(client, name, wrt, expected):
    graph = Graph.from_json(seed_file(name))
    result = client.evaluate(graph, wrt=wrt)
    output, *wrt_ids = expected
    assert result.values[output] == pytest.approx(expected[output], rel=1e-14)
    for node_id in wrt_ids:
        assert result.gradients[node_id] == pytest.approx(expected[node_id], rel=1e-14), node_id


@pytest.mark.parametrize("name", SEEDS)
def test_seed_examples_match_torch_and_the_stream_matches_the_unary_call(client, name):
    graph = Graph.from_json(seed_file(name))
    sink = graph.nodes[-1].id
    expected_values, expected_gradients = reference.evaluate(graph, [sink])

    unary = client.evaluate(graph)
    events = list(client.stream_evaluate(graph))

    streamed_values = {e.node_id: e.array for e in events if e.kind == "value"}
    streamed_gradients = {e.node_id: e.array for e in events if e.kind == "gradient"}
    assert streamed_values.keys() == unary.values.keys() == expected_values.keys()
    assert streamed_gradients.keys() == unary.gradients.keys()
    for node_id, expected in expected_values.items():
        np.testing.assert_array_equal(streamed_values[node_id], unary.values[node_id])
        reference.assert_close(unary.values[node_id], expected, f"value of {node_id}")
    for node_id, gradient in unary.gradients.items():
        np.testing.assert_array_equal(streamed_gradients[node_id], gradient)
        reference.assert_close(gradient, expected_gradients[node_id], f"gradient of {node_id}")


def test_the_stream_sends_values_in_topological_order_then_gradients_in_reverse_then_the_summary(client):
    graph = Graph.from_json(seed_file("seed000-gradient-flow.json"))
    order = client.validate(graph)

    events = list(client.stream_evaluate(graph, trace=True))

    kinds = [e.kind for e in events]
    assert kinds == sorted(kinds, key=["value", "gradient", "trace", "summary"].index)
    assert kinds.count("summary") == 1 and kinds.count("trace") == len(order)
    assert [e.node_id for e in events if e.kind == "value"] == order
    gradient_order = [e.node_id for e in events if e.kind == "gradient"]
    assert gradient_order == [n for n in reversed(order) if n in gradient_order]
    summary = events[-1].message
    assert summary.node_count == len(order) and [o.node_id for o in summary.outputs] == ["g"]


def test_values_and_gradients_can_be_selected(client):
    graph = Graph.from_json(seed_file("seed003-squared-error.json"))
    result = client.evaluate(graph, values=[graph["L"]], gradients="leaves")
    assert list(result.values) == ["L"]
    assert sorted(result.gradients) == ["b", "w", "x", "y"]
    assert list(client.evaluate(graph, values="none", gradients="none").values) == []


def test_several_outputs_with_seeds_give_a_vector_jacobian_product(client):
    g = Graph()
    x = g.input("x", [1.0, 2.0, 3.0])
    s = g.sin(x, id="s")
    c = g.square(x, id="c")
    result = client.evaluate([s, c], wrt=[x], seeds={s: [1.0, 0.0, 2.0], "c": [0.5, 1.0, 0.0]})
    expected = np.cos([1.0, 2.0, 3.0]) * [1.0, 0.0, 2.0] + 2 * np.array([1.0, 2.0, 3.0]) * [0.5, 1.0, 0.0]
    np.testing.assert_allclose(result.gradients[x], expected, rtol=1e-14)


def test_the_first_non_finite_node_is_named(client):
    g = Graph()
    x = g.input("x", -1.0)
    z = g.exp(g.log(x, id="bad"), id="z")
    result = client.evaluate(z)
    assert math.isnan(result.values[z])
    assert result.first_non_finite == ("bad", False)
    finite = Graph()
    assert client.evaluate(finite.exp(finite.input("x", -1.0))).first_non_finite is None


def invalid_graph():
    """A cycle a -> b -> a and an input that names no node, as the seed client checks."""
    return Graph.from_json('{"nodes": [{"id": "a", "inputs": ["b"], "neg": {}},'
                           ' {"id": "b", "inputs": ["a"], "exp": {}},'
                           ' {"id": "c", "inputs": ["ghost"], "log": {}}]}')


EXPECTED_PROBLEMS = [("c", "UNKNOWN_INPUT", "input 'ghost' is not a node of the graph"),
                     ("a", "CYCLE", "is on a cycle: a -> b -> a")]


def test_validate_raises_with_every_problem(client):
    with pytest.raises(GraphError) as raised:
        client.validate(invalid_graph())
    assert raised.value.problems == EXPECTED_PROBLEMS
    assert all(isinstance(p, Problem) for p in raised.value.problems)
    assert "a -> b -> a" in str(raised.value) and "ghost" in str(raised.value)


def test_validate_checks_outputs_and_wrt_too(client):
    graph = Graph.from_json(seed_file("seed003-squared-error.json"))
    assert client.validate(graph, outputs=["L"], wrt=["x"])[-1] == "L"
    with pytest.raises(GraphError) as raised:
        client.validate(graph, outputs=["nope"], wrt=["x", "nada"])
    assert sorted((p.node_id, p.kind) for p in raised.value.problems) == [("nada", "UNKNOWN_WRT"), ("nope", "UNKNOWN_OUTPUT")]


@pytest.mark.parametrize("call", ["evaluate", "stream_evaluate"])
def test_evaluate_errors_carry_every_problem_from_the_status_details(client, call):
    with pytest.raises(GraphError) as raised:
        list(getattr(client, call)(invalid_graph())) if call == "stream_evaluate" else client.evaluate(invalid_graph())
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.problems == EXPECTED_PROBLEMS


def test_shape_problems_name_their_nodes(client):
    g = Graph()
    a = g.input("a", np.ones((2, 3)))
    b = g.input("b", np.ones((4, 5)))
    g.add(a @ b, g.input("c", np.ones(7)), id="out")
    with pytest.raises(GraphError) as raised:
        client.evaluate(g["out"])
    assert [(p.node_id, p.kind) for p in raised.value.problems][0][1] == "SHAPE_MISMATCH"
    assert "[2, 3]" in raised.value.problems[0].message and "[4, 5]" in raised.value.problems[0].message


def test_an_unreachable_server_is_a_graphgrpc_error():
    g = Graph()
    x = g.input("x", 1.0)
    with Client("127.0.0.1:1", timeout=5) as unreachable:
        with pytest.raises(GraphGrpcError) as raised:
            unreachable.evaluate(g.exp(x))
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE and not isinstance(raised.value, GraphError)


def test_the_address_may_be_the_servers_url(address):
    g = Graph()
    x = g.input("x", 0.0)
    with Client(f"http://{address}/") as by_url:
        assert by_url.evaluate(g.exp(x)).values["x"] == 0.0
