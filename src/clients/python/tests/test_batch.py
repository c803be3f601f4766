"""EvaluateBatch through the client: every point equal to its own evaluation, shared gradients
summed or per point, chunks streamed both ways from a generator, and errors naming the chunk."""
import threading

import grpc
import numpy as np
import pytest

from graphgrpc import Graph, GraphError


def squared_error_model():
    """Per point: loss = (x . w + b - y)^2 with x a 3-vector and y a number; w and b shared."""
    g = Graph()
    x = g.input("x", np.zeros(3))
    y = g.input("y", 0.0)
    w = g.input("w", [0.5, -1.0, 2.0])
    b = g.input("b", 0.25)
    loss = g.square(x @ w + b - y, id="loss")
    return g, x, y, w, b, loss


def points(n, seed=7):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.normal(size=n)


def test_every_point_equals_its_own_evaluation(client):
    g, x, y, w, b, loss = squared_error_model()
    xs, ys = points(23)

    batch = client.evaluate_batch(loss, {x: xs, y: ys}, wrt=[x, y, w, b], chunk_size=5, shared_gradients="per_point")

    assert batch.points == 23
    assert batch.outputs[loss].shape == (23,)
    assert batch.gradients[x].shape == (23, 3) and batch.gradients[w].shape == (23, 3)
    assert batch.gradients[b].shape == (23,)
    for i in range(23):
        x.value, y.value = xs[i], ys[i]
        single = client.evaluate(loss, wrt=[x, y, w, b])
        for node in (x, y, w, b):
            np.testing.assert_array_equal(batch.gradients[node][i], single.gradients[node], err_msg=f"point {i}, {node.id}")
        np.testing.assert_array_equal(batch.outputs[loss][i], single.values[loss], err_msg=f"point {i}")


def test_shared_gradients_are_summed_over_every_chunk(client):
    g, x, y, w, b, loss = squared_error_model()
    xs, ys = points(1000)

    summed = client.evaluate_batch(loss, {"x": xs, "y": ys}, wrt=[w, b], chunk_size=64)
    per_point = client.evaluate_batch(loss, {"x": xs, "y": ys}, wrt=[w, b], shared_gradients="per_point")

    assert summed.gradients[w].shape == (3,) and summed.gradients[b].shape == ()
    residual = xs @ w.value + b.value - ys
    np.testing.assert_allclose(summed.outputs[loss], residual**2, rtol=1e-12)
    np.testing.assert_allclose(summed.gradients[w], 2 * residual @ xs, rtol=1e-10)
    np.testing.assert_allclose(summed.gradients[b], 2 * residual.sum(), rtol=1e-10)
    np.testing.assert_allclose(per_point.gradients[w].sum(axis=0), summed.gradients[w], rtol=1e-10)
    np.testing.assert_array_equal(per_point.outputs[loss], summed.outputs[loss])


def test_chunk_size_does_not_change_the_results(client):
    g, x, y, w, b, loss = squared_error_model()
    xs, ys = points(100)
    one = client.evaluate_batch(loss, {x: xs, y: ys}, chunk_size=100, shared_gradients="per_point")
    many = client.evaluate_batch(loss, {x: xs, y: ys}, chunk_size=7, shared_gradients="per_point")
    assert set(one.gradients) == set(many.gradients) == {"x", "y", "w", "b"}
    for node_id in one.gradients:
        np.testing.assert_array_equal(one.gradients[node_id], many.gradients[node_id])
    np.testing.assert_array_equal(one.outputs[loss], many.outputs[loss])


def test_a_generator_of_chunks_streams_both_ways(client):
    g, x, y, w, b, loss = squared_error_model()
    # About 256 KiB of input per chunk, 25 MiB in all: more than the server's 16 MiB HTTP/2 stream window.
    chunk_points, chunks = 8192, 100
    pulled = []
    pulled_at_first_result = None
    lock = threading.Lock()

    def chunk_source():
        for i in range(chunks):
            with lock:
                pulled.append(i)
            xs, ys = points(chunk_points, seed=i)
            yield {"x": xs, "y": ys}

    stream = client.stream_batch(loss, chunk_source(), wrt=[x, w])
    total_w = np.zeros(3)
    sequences = []
    for result in stream:
        if pulled_at_first_result is None:
            with lock:
                pulled_at_first_result = len(pulled)
        sequences.append(result.sequence)
        assert result.outputs[loss].shape == (chunk_points,) and result.gradients[x].shape == (chunk_points, 3)
        total_w += result.gradients[w]

    assert sequences == list(range(chunks))
    assert pulled_at_first_result < chunks, "every chunk was read before the first result came back"
    assert stream.points == chunks * chunk_points
    np.testing.assert_allclose(stream.summed_gradients[w], total_w, rtol=1e-9)
    assert stream.plan_hash


def test_stopping_early_ends_the_call(client):
    g, x, y, w, b, loss = squared_error_model()
    endless = ({"x": xs, "y": ys} for xs, ys in iter(lambda: points(16), None))
    stream = client.stream_batch(loss, endless)
    for result in stream:
        assert result.sequence == 0
        break
    again = client.evaluate_batch(loss, {x: np.ones((2, 3)), y: np.zeros(2)})
    np.testing.assert_allclose(again.outputs[loss], [(1.5 + 0.25) ** 2] * 2)


def test_a_bad_chunk_is_a_graph_error_naming_the_chunk_and_input(client):
    g, x, y, w, b, loss = squared_error_model()
    chunks = [{"x": np.ones((4, 3)), "y": np.ones(4)}, {"x": np.ones((4, 2)), "y": np.ones(4)}]
    with pytest.raises(GraphError) as raised:
        list(client.stream_batch(loss, chunks))
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    [problem] = raised.value.problems
    assert problem.node_id == "x" and "chunk 1" in problem.message and "[4, 2]" in problem.message


def test_batch_inputs_must_be_input_leaves_of_the_graph(client):
    g, x, y, w, b, loss = squared_error_model()
    with pytest.raises(GraphError) as raised:
        client.evaluate_batch(loss, {"ghost": np.ones(3), "loss": np.ones(3)})
    assert sorted((p.node_id, p.kind) for p in raised.value.problems) == [("ghost", "UNKNOWN_NODE"), ("loss", "INVALID_VALUE")]


def test_an_error_in_the_chunk_source_reaches_the_caller(client):
    g, x, y, w, b, loss = squared_error_model()

    def failing_source():
        yield {"x": np.ones((2, 3)), "y": np.ones(2)}
        raise OSError("the data file is gone")

    with pytest.raises(OSError, match="the data file is gone"):
        list(client.stream_batch(loss, failing_source()))
    with pytest.raises(TypeError, match="real numbers"):
        list(client.stream_batch(loss, [{"x": np.ones((2, 3)), "y": ["a", "b"]}]))


def test_columns_of_different_lengths_are_refused_before_sending(client):
    g, x, y, w, b, loss = squared_error_model()
    with pytest.raises(ValueError, match="x has 3, y has 2"):
        client.evaluate_batch(loss, {x: np.ones((3, 3)), y: np.ones(2)})
