"""graphgrpc.draw and Graph._repr_svg_: dot text with values and gradients on the nodes, labels that
stay narrow for big tensors, SVG through graphviz's dot, and a hint when dot is missing."""
import re

import numpy as np
import pytest

from conftest import seed_file
from graphgrpc import Graph, draw


def neural_layer():
    graph = Graph.from_json(seed_file("seed001-neural-layer.json"))
    return graph, graph["loss"]


def labels(dot):
    return {m.group(1): m.group(2).replace("\\n", "\n") for m in re.finditer(r'^  (n\d+) \[label="(.*?)", ', dot, re.M)}


def test_a_result_puts_each_nodes_value_and_gradient_on_it(client):
    graph, loss = neural_layer()
    result = client.evaluate(loss)

    dot = draw(loss, result).dot

    by_slot = labels(dot)
    slot = {node.id: f"n{i}" for i, node in enumerate(graph.nodes)}
    w_gradient = result.gradients["W"].ravel()
    assert by_slot[slot["W"]] == ("W\n= [2, 3] 0.1, -0.2, 0.3, …\n"
                                  f"∂ [2, 3] {w_gradient[0]:.4g}, {w_gradient[1]:.4g}, {w_gradient[2]:.4g}, …")
    assert by_slot[slot["loss"]] == f"loss: sum\n= {result.values['loss'].item():.4g}\n∂ 1"
    assert f'{slot["loss"]} [label=' in dot and "#c8e6c9" in dot.split(f"{slot['loss']} [label=")[1].split("\n")[0]
    edges = re.findall(r"^  (n\d+) -> (n\d+);$", dot, re.M)
    assert sorted(edges) == sorted((slot[i], slot[n.id]) for n in graph.nodes for i in n.inputs)


def test_a_big_tensor_shows_its_shape_and_three_values():
    g = Graph()
    x = g.input("x", np.arange(1_000_000.0).reshape(1000, 1000))
    dot = draw(g.tanh(x)).dot
    assert labels(dot)["n0"] == "x\n[1000, 1000] 0, 1, 2, …"


def test_the_svg_of_seed_001_with_values_is_narrow(client):
    _, loss = neural_layer()
    svg = draw(loss, client.evaluate(loss)).svg()
    width = float(re.search(r'<svg width="([0-9.]+)pt"', svg).group(1))
    # `render --values` drew this graph 3,076 px wide; a notebook cell is about 900.
    assert svg.lstrip().startswith("<?xml") and width < 600, f"{width} pt wide"


def test_a_graph_draws_itself_in_a_notebook():
    graph, _ = neural_layer()
    svg = graph._repr_svg_()
    assert "<svg" in svg and "loss: sum" in svg


def test_without_dot_the_notebook_is_told_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    graph, loss = neural_layer()

    with pytest.warns(UserWarning, match=r"apt-get install graphviz"):
        assert graph._repr_svg_() is None
    with pytest.raises(RuntimeError, match=r"graphviz's `dot` is not on the PATH"):
        draw(loss).svg()


def test_save_picks_the_format_from_the_name(tmp_path):
    _, loss = neural_layer()
    drawing = draw(loss)
    drawing.save(tmp_path / "g.png")
    drawing.save(tmp_path / "g.dot")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "g.dot").read_text() == drawing.dot
    with pytest.raises(ValueError, match=r"name it \.svg, \.png, \.pdf or \.dot"):
        drawing.save(tmp_path / "g.jpeg")
