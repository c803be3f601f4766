"""graphgrpc.dask.evaluate_batch on Dask's local threaded scheduler, against one server: results
equal to one evaluate_batch stream, laziness, chunking, and the errors it gives."""
import dask
import dask.array as da
import grpc
import numpy as np
import pytest

from graphgrpc import Client, Graph, GraphError, GraphGrpcError
from graphgrpc.dask import DaskBatchResult, evaluate_batch
from servers import Servers

POINTS = 50_000


def g1_with_weight():
    """Seed 002's z = log(3x² + 5xy), times a shared 2-vector w: x and y per point, w shared."""
    g = Graph()
    x, y = g.input("x", 0.0), g.input("y", 0.0)
    w = g.input("w", np.array([1.5, -0.25]))
    z = g.mul(g.log(3 * x**2 + 5 * x * y), w, id="z")
    return g, x, y, w, z


def columns(points=POINTS, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, points), rng.uniform(0.5, 2.0, points)


def bits(array):
    """The array's bytes, so that == compares bit for bit (NaNs and signed zeros included)."""
    return np.ascontiguousarray(array).tobytes()


def test_outputs_and_per_point_gradients_equal_one_stream_bit_for_bit(client, address):
    _, x, y, w, z = g1_with_weight()
    xs, ys = columns()
    lazy = evaluate_batch(z, {x: da.from_array(xs, chunks=7_000), y: ys}, servers=[address], wrt=[x, y, w])
    reference = client.evaluate_batch(z, {x: xs, y: ys}, wrt=[x, y, w])

    assert isinstance(lazy, DaskBatchResult) and lazy.points == POINTS
    assert lazy.outputs[z].shape == (POINTS, 2) and lazy.outputs[z].chunks[0] == (7_000,) * 7 + (1_000,)
    assert lazy.gradients[x].shape == (POINTS,) and lazy.gradients[w].shape == (2,)
    result = lazy.compute()
    assert bits(result.outputs[z]) == bits(reference.outputs[z])
    assert bits(result.gradients[x]) == bits(reference.gradients[x])
    assert bits(result.gradients[y]) == bits(reference.gradients[y])
    # The shared gradient is the chunks' sums added up in a tree, in another order than the server's.
    np.testing.assert_allclose(result.gradients[w], reference.gradients[w], rtol=1e-12)
    assert list(lazy.served_by.compute()) == [address] * 8


def test_the_summed_gradient_is_the_tree_sum_of_each_chunks_own_sum(client, address):
    _, x, y, w, z = g1_with_weight()
    xs, ys = columns(10_000)
    lazy = evaluate_batch(z, {x: xs, y: ys}, servers=address, wrt=[w], chunk_points=1_000, split_every=3)
    chunk_sums = [client.evaluate_batch(z, {x: xs[i:i + 1_000], y: ys[i:i + 1_000]}, wrt=[w]).gradients[w]
                  for i in range(0, 10_000, 1_000)]

    # Ten chunks with a fan-in of 3: partial sums of partial sums, then the last addition.
    levels = [name for name in lazy.gradients[w].dask.layers if name.startswith("sum-partial-")]
    assert len(levels) == 2
    np.testing.assert_allclose(lazy.gradients[w].compute(), np.sum(chunk_sums, axis=0), rtol=1e-13)


def test_per_point_shared_gradients_equal_one_stream_bit_for_bit(client, address):
    _, x, y, w, z = g1_with_weight()
    xs, ys = columns(20_000)
    lazy = evaluate_batch(z, {x: xs, y: ys}, servers=[address], wrt=[w], shared_gradients="per_point",
                          chunk_points=3_000)
    reference = client.evaluate_batch(z, {x: xs, y: ys}, wrt=[w], shared_gradients="per_point")

    assert lazy.gradients[w].shape == (20_000, 2) and lazy.gradients[w].chunks[0][0] == 3_000
    assert bits(lazy.gradients[w].compute()) == bits(reference.gradients[w])


def test_nothing_is_read_or_sent_until_compute(address):
    _, x, y, _, z = g1_with_weight()

    def unreadable(block):
        raise RuntimeError("a block of x was read")

    xs = da.zeros(4_000, chunks=1_000).map_blocks(unreadable, dtype=float)
    lazy = evaluate_batch(z, {x: xs, y: np.ones(4_000)}, servers=[address], wrt=[x])

    assert lazy.outputs[z].shape == (4_000, 2)
    with pytest.raises(RuntimeError, match="a block of x was read"):
        lazy.outputs[z].compute()


def test_multidimensional_points_and_a_whole_graph_as_the_output(client, address):
    g = Graph()
    h = g.input("h", np.zeros(3))
    m = g.input("m", np.arange(6.0).reshape(3, 2) / 10)
    g.tanh(h @ m, id="out")
    hs = np.random.default_rng(1).normal(size=(5_000, 3))
    lazy = evaluate_batch(g, {"h": da.from_array(hs, chunks=(1_200, 1))}, servers=[address])
    reference = client.evaluate_batch(g, {"h": hs})

    assert lazy.outputs["out"].shape == (5_000, 2) and lazy.gradients["h"].chunks[1] == (3,)
    out, gh, gm = dask.compute(lazy.outputs["out"], lazy.gradients["h"], lazy.gradients["m"])
    assert bits(out) == bits(reference.outputs["out"]) and bits(gh) == bits(reference.gradients["h"])
    np.testing.assert_allclose(gm, reference.gradients["m"], rtol=1e-12)


def test_an_empty_batch_gives_empty_columns_and_zero_sums(address):
    _, x, y, w, z = g1_with_weight()
    result = evaluate_batch(z, {x: np.empty(0), y: np.empty(0)}, servers=[address], wrt=[x, w]).compute()

    assert result.outputs[z].shape == (0, 2) and result.gradients[x].shape == (0,)
    assert result.gradients[w].tolist() == [0.0, 0.0]


def test_a_column_of_the_wrong_point_shape_is_refused_naming_the_input(address):
    _, x, y, _, z = g1_with_weight()
    with pytest.raises(ValueError, match=r"input 'x' takes points of shape \[\], a column \[N\], but its column "
                                         r"has points of shape \[2\]"):
        evaluate_batch(z, {x: np.ones((10, 2)), y: np.ones(10)}, servers=[address])
    with pytest.raises(ValueError, match="x has 10, y has 9"):
        evaluate_batch(z, {x: np.ones(10), y: np.ones(9)}, servers=[address])


def test_a_refused_graph_raises_graph_error_before_any_task(address):
    g = Graph()
    a, b = g.input("a", np.zeros(2)), g.input("b", np.zeros(3))
    with pytest.raises(GraphError) as refused:
        evaluate_batch(a + b, {a: np.ones((4, 2))}, servers=[address])
    assert any(p.kind == "SHAPE_MISMATCH" for p in refused.value.problems)


def test_an_unreachable_server_list_fails_with_every_address_tried():
    _, x, y, _, z = g1_with_weight()
    with pytest.raises(GraphGrpcError, match=r"no server answered the shape probe \(127\.0\.0\.1:1, 127\.0\.0\.1:2\)"):
        evaluate_batch(z, {x: np.ones(3), y: np.ones(3)}, servers=["127.0.0.1:1", "127.0.0.1:2"])


def test_a_chunk_moves_to_the_next_server_and_gives_up_after_its_attempts(address):
    _, x, y, _, z = g1_with_weight()
    xs, ys = columns(4_000)
    # Chunks 0 and 2 go first to the dead address, 1 and 3 to the live one.
    lazy = evaluate_batch(z, {x: xs, y: ys}, servers=[address, "127.0.0.1:1"], chunk_points=1_000)
    assert list(lazy.served_by.compute()) == [address] * 4

    # With one attempt, chunks 1 and 3 have no second server to go to.
    once = evaluate_batch(z, {x: xs, y: ys}, servers=[address, "127.0.0.1:1"], chunk_points=1_000, attempts=1)
    with pytest.raises(GraphGrpcError, match=r"chunk [13] \(1000 points\) got no answer in 1 attempt\(s\) over "
                                             r".*, 127\.0\.0\.1:1; the last: failed to connect") as failed:
        once.outputs[z].compute()
    assert failed.value.code == grpc.StatusCode.UNAVAILABLE


def test_bad_arguments_are_named(address):
    _, x, y, _, z = g1_with_weight()
    with pytest.raises(ValueError, match="servers is empty"):
        evaluate_batch(z, {x: np.ones(3)}, servers=[])
    with pytest.raises(ValueError, match="shared_gradients must be 'sum' or 'per_point', not 'mean'"):
        evaluate_batch(z, {x: np.ones(3)}, servers=[address], shared_gradients="mean")
    with pytest.raises(ValueError, match="chunk_points must be at least 1, not 0"):
        evaluate_batch(z, {x: np.ones(3)}, servers=[address], chunk_points=0)
    with pytest.raises(ValueError, match="wrt names 'nope', which is not an input leaf"):
        evaluate_batch(z, {x: np.ones(3)}, servers=[address], wrt=["nope"])
    with pytest.raises(ValueError, match="input 'x' has no axis of points"):
        evaluate_batch(z, {x: 2.0}, servers=[address])
    with pytest.raises(ValueError, match="input 'z' is a mul node"):
        evaluate_batch(z, {z: np.ones(3)}, servers=[address])


def test_a_refused_chunk_fails_at_once_without_moving_to_another_server(address, caplog):
    g = g1_with_weight()[0]
    # Given as a protobuf with ids, the graph's point shapes are not checked here: the server refuses the chunk.
    lazy = evaluate_batch(["z"], {"x": np.ones((6, 2)), "y": np.ones(6)}, graph=g.to_proto(),
                          servers=[address, "127.0.0.1:1"], client_options={"timeout": 30})
    with pytest.raises(GraphError) as refused:
        lazy.outputs["z"].compute()
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT and "x" in str(refused.value)
    assert not [r for r in caplog.records if r.name == "graphgrpc.dask" and "chunk 0 (6 points)" in r.getMessage()], \
        "the refused chunk was tried again"


def test_a_retry_is_logged_naming_the_chunk_and_the_server(address, caplog):
    _, x, y, _, z = g1_with_weight()
    lazy = evaluate_batch(z, {x: np.ones(10), y: np.ones(10)}, servers=[address, "127.0.0.1:1"], chunk_points=5)
    lazy.outputs[z].compute()
    assert [r.getMessage() for r in caplog.records if r.name == "graphgrpc.dask" and "(5 points)" in r.getMessage()] \
        == ["chunk 1 (5 points): 127.0.0.1:1 answered UNAVAILABLE; trying again"]


def test_a_chunk_over_a_servers_limit_is_not_retried_though_its_code_is_resource_exhausted(caplog):
    # RESOURCE_EXHAUSTED with problems attached is a limit of the request, not a full server: no retry helps.
    g = Graph()
    x = g.input("x", 0.0)
    z = g.exp(x, id="z")
    with Servers(1, settings=["--GraphGrpc:MaxTensorElements=1000"]) as small:
        lazy = evaluate_batch(z, {x: np.ones(4_000)}, servers=small.addresses * 2, chunk_points=2_000)
        with pytest.raises(GraphError) as refused:
            lazy.outputs[z].compute()
    assert refused.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert [p.kind for p in refused.value.problems] == ["LIMIT_EXCEEDED"]
    # Only this server's records: a task of an earlier test may still be finishing on the thread pool.
    # A try that ended UNAVAILABLE may go before (grpcio now and then reports the server's early end
    # of a stream it is still writing to that way); the limit's answer itself is never tried again.
    retries = [r.getMessage() for r in caplog.records
               if r.name == "graphgrpc.dask" and small.addresses[0] in r.getMessage()]
    assert not [m for m in retries if "RESOURCE_EXHAUSTED" in m], f"the refused chunk was tried again: {retries}"


def test_chunks_a_full_server_turns_away_are_retried_until_it_has_room(caplog):
    _, x, y, _, z = g1_with_weight()
    xs, ys = columns(400_000, seed=3)
    with Servers(1, settings=["--GraphGrpc:MaxConcurrentEvaluations=1"]) as one_at_a_time:
        address = one_at_a_time.addresses[0]
        lazy = evaluate_batch(z, {x: xs, y: ys}, servers=[address], wrt=[x], chunk_points=50_000, attempts=20)
        # Four threads against a server that takes one stream at a time.
        outputs, gradients = dask.compute(lazy.outputs[z], lazy.gradients[x], scheduler="threads", num_workers=4)
        with Client(address, timeout=60) as single:
            reference = single.evaluate_batch(z, {x: xs, y: ys}, wrt=[x])

    turned_away = [r.getMessage() for r in caplog.records
                   if r.name == "graphgrpc.dask" and f"{address} answered RESOURCE_EXHAUSTED" in r.getMessage()]
    assert turned_away, "no chunk was turned away: the four threads never overlapped"
    assert bits(outputs) == bits(reference.outputs[z]) and bits(gradients) == bits(reference.gradients[x])
