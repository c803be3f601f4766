"""The builder on its own: what the operators make, JSON like the repository's graph files, clear errors."""
import json

import numpy as np
import pytest
from google.protobuf import json_format

from conftest import seed_file
from graphgrpc import Graph
from graphgrpc.v1 import graph_pb2


def test_operators_make_the_nodes_of_seed_002():
    g = Graph()
    x = g.input("x", 2.0)
    y = g.input("y", 3.0)
    z = g.log(3 * x**2 + 5 * x * y, id="z")

    ops = {n.id: (n.op, [g[i].op for i in n.inputs]) for n in g.nodes}
    assert ops[z.id] == ("log", ["add"])
    assert sorted(op for op, _ in ops.values()) == sorted(
        ["input", "input", "pow", "constant", "mul", "constant", "mul", "mul", "add", "log"])
    power = next(n for n in g.nodes if n.op == "pow")
    assert power.inputs == ("x",) and power.attributes.exponent.value == 2.0


def test_a_number_exponent_is_an_attribute_and_a_node_exponent_an_operand():
    g = Graph()
    x = g.input("x", 2.0)
    assert (x ** 3).inputs == ("x",)
    by_node = x ** g.input("e", 1.5)
    assert by_node.inputs == ("x", "e") and not by_node.attributes.HasField("exponent")
    by_array = x ** np.array([1.0, 2.0])
    assert g[by_array.inputs[1]].op == "constant"
    base = 2 ** x
    assert g[base.inputs[0]].op == "constant" and base.inputs[1] == "x"


def test_numpy_arrays_on_the_left_become_one_constant():
    g = Graph()
    x = g.input("x", [1.0, 2.0])
    product = np.array([3.0, 4.0]) * x
    assert product.op == "mul" and product.inputs[1] == "x"
    np.testing.assert_array_equal(g[product.inputs[0]].value, [3.0, 4.0])


def test_seed_003_built_by_hand_is_the_graph_file():
    g = Graph()
    x, w, b, y = (g.input(name, value) for name, value in (("x", 2), ("w", 3), ("b", 1), ("y", 5)))
    p = g.mul(x, w, id="p")
    a = g.add(p, b, id="a")
    d = g.sub(a, y, id="d")
    g.square(d, id="L")

    expected = json_format.Parse(seed_file("seed003-squared-error.json"), graph_pb2.Graph())
    assert g.to_proto() == expected
    assert json_format.Parse(g.to_json(), graph_pb2.Graph()) == expected


def test_to_json_spells_fields_as_the_proto_does():
    g = Graph()
    logits = g.input("logits", np.zeros((2, 3)))
    g.cross_entropy(g.log_softmax(logits, axis=1, id="ls"), g.constant([0, 2], id="t"), reduction="sum", id="loss")
    g.sum(logits, axes=0, keep_dims=True, id="s")
    nodes = {n["id"]: n for n in json.loads(g.to_json())["nodes"]}
    assert nodes["logits"]["input"]["value"] == {"shape": ["2", "3"], "values": [0.0] * 6}
    assert nodes["ls"]["log_softmax"] == {"axis": 1}
    assert nodes["loss"]["cross_entropy"] == {"reduction": "REDUCTION_SUM"}
    assert nodes["s"]["sum"] == {"axes": [0], "keep_dims": True}


def test_from_json_reads_every_seed_file_back_unchanged():
    for name in ("seed000-gradient-flow.json", "seed001-neural-layer.json", "seed002-log-expression.json"):
        text = seed_file(name)
        graph = Graph.from_json(text)
        assert graph.to_proto() == json_format.Parse(text, graph_pb2.Graph()), name


def test_leaf_values_can_change_between_evaluations():
    g = Graph()
    w = g.input("w", [1.0, 2.0])
    w.value = w.value - 0.5
    assert list(g.to_proto().nodes[0].input.value.values) == [0.5, 1.5]
    with pytest.raises(AttributeError, match="not a leaf"):
        (w + 1).value = 3


def test_raw_tensors_are_little_endian_float64_bytes():
    g = Graph()
    g.input("w", [[1.0, 2.0], [3.0, 4.0]])
    tensor = g.to_proto(raw=True).nodes[0].input.value
    assert list(tensor.shape) == [2, 2] and not tensor.values
    np.testing.assert_array_equal(np.frombuffer(tensor.raw, "<f8"), [1.0, 2.0, 3.0, 4.0])


def test_mistakes_are_named():
    g = Graph()
    g.input("x", 1.0)
    with pytest.raises(ValueError, match="already has a node 'x'"):
        g.input("x", 2.0)
    with pytest.raises(ValueError, match="belongs to another graph"):
        g["x"] + Graph().input("y", 1.0)
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        g.mse(g["x"], 1.0, reduction="max")
    with pytest.raises(TypeError, match="real numbers"):
        g.input("s", "three")
    with pytest.raises(KeyError, match="no node 'ghost'"):
        g["ghost"]
