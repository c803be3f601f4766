"""Explain from Python: seed 001's gradient of a sum over two paths, 3 + 5 = 8."""
import numpy as np
import pytest

from graphgrpc import Graph, GraphError


def test_explain_two_paths_sum_to_the_gradient(client):
    g = Graph()
    x = g.input("x", 1.0)
    f = 3 * x + 5 * x
    explanation = client.explain(f, x)
    assert explanation.path_count == "2"
    contributions = sorted(p.contribution.values[0] if p.contribution.values else
                           np.frombuffer(p.contribution.raw, "<f8")[0] for p in explanation.paths)
    assert contributions == [3.0, 5.0]
    result = client.evaluate(f, wrt=[x])
    assert result.gradients[x] == pytest.approx(8.0)


def test_explain_of_an_unknown_wrt_names_it(client):
    g = Graph()
    x = g.input("x", 1.0)
    with pytest.raises(GraphError) as error:
        client.explain(2 * x, "nope")
    assert any(p.node_id == "nope" for p in error.value.problems)
