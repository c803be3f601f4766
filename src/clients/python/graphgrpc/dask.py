"""evaluate_batch over Dask arrays: a graph evaluated at N points spread over Dask workers and
GraphGrpc servers, with lazy results (needs Debian's python3-dask; python3-distributed for a cluster).

    import dask.array as da
    from graphgrpc.dask import evaluate_batch
    result = evaluate_batch(loss, {x: xs, y: ys}, servers=["10.0.0.1:50051", "10.0.0.2:50051"], wrt=[w])
    losses, total = dask.compute(result.outputs[loss], result.gradients[w])

Underneath, each chunk of points along the first axis is one Dask task, which streams its chunk
through graphgrpc.Client.evaluate_batch to one server. Every worker process keeps one Client per
address (graphgrpc._dask_clients), so its tasks share a channel. A server that answers UNAVAILABLE or
RESOURCE_EXHAUSTED gets the chunk retried on the next address (graphgrpc._dask_chunk). Gradients of
shared leaves come back summed per chunk and are added up by a Dask tree reduction.
"""
import operator

import dask
import dask.array as da
import numpy as np
from dask.highlevelgraph import HighLevelGraph

from graphgrpc._dask_chunk import RETRYABLE, ChunkSpec, evaluate_chunk
from graphgrpc._dask_clients import client_for, close_clients
from graphgrpc.client import BatchResult, NodeMap, _ids, _resolve
from graphgrpc.errors import GraphError, GraphGrpcError
from graphgrpc.graph import Graph, node_id

# Points per Dask chunk when an input is a numpy array (a dask array keeps its own chunks):
# about 16 MiB of G1's two columns, big enough that Dask's per-task overhead is small beside it.
DEFAULT_CHUNK_POINTS = 1 << 20

__all__ = ["DaskBatchResult", "close_clients", "evaluate_batch"]


class DaskBatchResult:
    """The lazy results of graphgrpc.dask.evaluate_batch: NodeMaps of dask arrays.

    outputs: each output as [N, ...], chunked like the inputs. gradients: a batch input's gradient
    as [N, ...] likewise; a shared leaf's gradient summed over the N points (shaped like the leaf),
    or [N, ...] with shared_gradients="per_point". served_by: one string per chunk, the address of
    the server that answered it. Nothing runs until they are computed.
    """

    def __init__(self, outputs, gradients, served_by, points):
        self.outputs = NodeMap(outputs)
        self.gradients = NodeMap(gradients)
        self.served_by = served_by
        self.points = points

    def compute(self, **kwargs):
        """Everything as a graphgrpc.BatchResult of numpy arrays, in one dask.compute (so each
        chunk is evaluated once); kwargs go to dask.compute. Its plan_hash is None."""
        outputs, gradients = dask.compute(dict(self.outputs), dict(self.gradients), **kwargs)
        return BatchResult(outputs, gradients, self.points, None)

    def __repr__(self):
        return f"DaskBatchResult(points={self.points}, outputs={list(self.outputs)}, gradients={list(self.gradients)})"


def evaluate_batch(outputs, inputs, *, servers, wrt=None, graph=None, shared_gradients="sum", chunk_points=None,
                   attempts=None, split_every=None, client_options=None):
    """Evaluates a graph at N points as Dask tasks, one per chunk of points; returns a DaskBatchResult.

    outputs, wrt, graph, shared_gradients: as for graphgrpc.Client.evaluate_batch.
    inputs: {input node or id: array [N, ...]}, dask arrays (from da.from_zarr, say) or numpy
    arrays. The columns are cut along the first axis alike: by chunk_points points when given, else
    by the first dask array's chunks, else by DEFAULT_CHUNK_POINTS.
    servers: an address, or a list of them; each is anything graphgrpc.Client takes, a round-robin
    target included. Chunk i goes first to servers[i % len(servers)].
    attempts: how many times a chunk is tried on UNAVAILABLE or RESOURCE_EXHAUSTED, moving to the
    next server each time (default: twice round the list, and at least 3).
    split_every: the fan-in of the tree reduction of shared gradients (Dask's default when None).
    client_options: keyword arguments of graphgrpc.Client (tls, token, timeout, ...), used on every worker.

    Before returning, one evaluation at the leaves' own values learns the outputs' shapes, and so
    checks the graph: a refused graph raises graphgrpc.GraphError here, not inside a task.
    """
    servers = [servers] if isinstance(servers, str) else list(servers)
    if not servers:
        raise ValueError("servers is empty: give at least one GraphGrpc address")
    client_options = dict(client_options or {})
    if shared_gradients not in ("sum", "per_point"):
        raise ValueError(f"shared_gradients must be 'sum' or 'per_point', not {shared_gradients!r}")
    proto, output_ids = _resolve(outputs, graph, None)
    output_ids = output_ids or [_sink(proto)]
    wrt_ids = _ids(wrt)
    if not inputs:
        raise ValueError("evaluate_batch needs at least one input column; use Client.evaluate for a single point")
    columns = _columns(inputs, graph if graph is not None else _graph_of(outputs), chunk_points)
    batch_ids = list(columns)
    first = columns[batch_ids[0]]
    points, point_chunks = first.shape[0], first.chunks[0]

    probe = _probe(proto, output_ids, servers, client_options)
    leaf_shapes = {n.id: tuple(n.input.value.shape) for n in proto.nodes if n.WhichOneof("op") == "input"}
    gradient_ids = wrt_ids or list(leaf_shapes)
    for key in gradient_ids:
        if key not in leaf_shapes:
            raise ValueError(f"wrt names '{key}', which is not an input leaf of the graph")

    output_shapes = {k: probe.values[k].shape for k in output_ids}
    gradient_shapes = {k: tuple(columns[k].shape[1:]) if k in columns else leaf_shapes[k] for k in gradient_ids}
    spec = ChunkSpec(proto.SerializeToString(), output_ids, gradient_ids, batch_ids, shared_gradients, servers,
                     client_options, attempts, {"outputs": output_shapes, "gradients": gradient_shapes})
    token = dask.base.tokenize(spec, *(columns[k].name for k in batch_ids))
    chunks = _ChunkLayer(spec, token, [columns[k] for k in batch_ids], point_chunks)
    result_outputs = {k: chunks.per_point("outputs", k, output_shapes[k]) for k in output_ids}
    result_gradients = {}
    for key in gradient_ids:
        if key in columns or shared_gradients == "per_point":
            result_gradients[key] = chunks.per_point("gradients", key, gradient_shapes[key])
        else:
            result_gradients[key] = chunks.summed(key, gradient_shapes[key], split_every)
    return DaskBatchResult(result_outputs, result_gradients, chunks.served_by(), points)


class _ChunkLayer:
    """The Dask layer of chunk tasks, one per chunk of points, each returning evaluate_chunk's dict,
    and the arrays made of their fields. It is a Dask collection, so those arrays can depend on it."""

    def __init__(self, spec, token, columns, point_chunks):
        self.name, self.token, self.point_chunks = f"graphgrpc-chunk-{token}", token, point_chunks
        spec_key = f"graphgrpc-spec-{token}"
        layer = {spec_key: spec}
        for i in range(len(point_chunks)):
            blocks = [(c.name, i, *(0,) * (c.ndim - 1)) for c in columns]
            layer[(self.name, i)] = (evaluate_chunk, spec_key, i, *blocks)
        self._graph = HighLevelGraph.from_collections(self.name, layer, dependencies=columns)

    def __dask_graph__(self):
        return self._graph

    def __dask_layers__(self):
        return (self.name,)

    def per_point(self, kind, key, shape):
        """The [N, ...shape] array of results[kind][key], chunked like the points."""
        return self._array(f"{kind}-{key}", lambda i: (operator.getitem, self._field(i, kind), key),
                           (self.point_chunks, *((d,) for d in shape)))

    def summed(self, key, shape, split_every):
        """A shared leaf's gradient: the chunks' sums, [1, ...shape] each, added up by a tree reduction."""
        partials = self._array(f"partial-{key}", lambda i: (np.expand_dims, (operator.getitem,
                                                                             self._field(i, "gradients"), key), 0),
                               ((1,) * len(self.point_chunks), *((d,) for d in shape)))
        return partials.sum(axis=0, split_every=split_every)

    def served_by(self):
        """One object per chunk: the address that answered it."""
        return self._array("served-by", lambda i: (_as_one_item, self._field(i, "served_by")),
                           ((1,) * len(self.point_chunks),), dtype=object)

    def _field(self, i, field):
        return (operator.getitem, (self.name, i), field)

    def _array(self, what, task, chunks, dtype=np.float64):
        name = f"graphgrpc-{what}-{self.token}"
        trailing = (0,) * (len(chunks) - 1)
        layer = {(name, i, *trailing): task(i) for i in range(len(self.point_chunks))}
        graph = HighLevelGraph.from_collections(name, layer, dependencies=[self])
        return da.Array(graph, name, chunks, dtype=dtype, meta=np.empty((0,) * len(chunks), dtype=dtype))


def _columns(inputs, graph, chunk_points):
    """The inputs as float64 dask arrays, cut alike along the points and not across a point."""
    if chunk_points is not None and chunk_points < 1:
        raise ValueError(f"chunk_points must be at least 1, not {chunk_points}")
    given = next((c.chunks[0] for c in inputs.values() if isinstance(c, da.Array)), None)
    point_chunks = chunk_points or given or DEFAULT_CHUNK_POINTS
    columns = {}
    for key, column in inputs.items():
        key = node_id(key)
        column = column if hasattr(column, "shape") else np.asarray(column)
        if len(column.shape) == 0:
            raise ValueError(f"input '{key}' has no axis of points: a batch column is [N, ...point shape]")
        if not isinstance(column, da.Array):
            column = da.from_array(column, chunks={0: point_chunks, **{axis: -1 for axis in range(1, column.ndim)}})
        if column.dtype.kind not in "biuf":
            raise TypeError(f"input '{key}' holds {column.dtype}, not real numbers")
        if isinstance(graph, Graph):
            _check_point_shape(graph, key, column.shape[1:])
        columns[key] = column.astype(np.float64)
    counts = {k: c.shape[0] for k, c in columns.items()}
    if len(set(counts.values())) != 1:
        raise ValueError("every input needs the same number of points along its first axis: "
                         + ", ".join(f"{k} has {n}" for k, n in counts.items()))
    return {k: c.rechunk({0: point_chunks, **{axis: -1 for axis in range(1, c.ndim)}}) for k, c in columns.items()}


def _check_point_shape(graph, key, point_shape):
    try:
        leaf = graph[key]
    except KeyError:
        raise ValueError(f"input '{key}' is not a node of the graph") from None
    if leaf.op != "input":
        raise ValueError(f"input '{key}' is a {leaf.op} node: only an input leaf can take a batch column")
    if tuple(leaf.value.shape) != tuple(point_shape):
        expected = ", ".join(["N", *map(str, leaf.value.shape)])
        raise ValueError(f"input '{key}' takes points of shape {list(leaf.value.shape)}, a column [{expected}], "
                         f"but its column has points of shape {list(point_shape)}")


def _probe(proto, output_ids, servers, client_options):
    """One evaluation at the leaves' values, for the outputs' per-point shapes; a server that is down
    or full passes it to the next."""
    last = None
    for address in servers:
        try:
            return client_for(address, client_options).evaluate(
                output_ids, graph=proto, values=output_ids, gradients="none")
        except GraphError:
            raise
        except GraphGrpcError as error:
            if error.code not in RETRYABLE:
                raise
            last = error
    raise GraphGrpcError(last.code, f"no server answered the shape probe ({', '.join(servers)}); "
                                    f"the last: {last.details}")


def _sink(proto):
    """The id of a graph's one sink, the output when none is named."""
    used = {i for n in proto.nodes for i in n.inputs}
    sinks = [n.id for n in proto.nodes if n.id not in used]
    if len(sinks) != 1:
        raise ValueError(f"name the outputs: the graph has {len(sinks)} sinks ({', '.join(sinks[:5])}), not one")
    return sinks[0]


def _graph_of(outputs):
    if isinstance(outputs, Graph):
        return outputs
    nodes = [outputs] if not isinstance(outputs, (list, tuple)) else outputs
    return next((n.graph for n in nodes if hasattr(n, "graph")), None)


def _as_one_item(value):
    array = np.empty(1, dtype=object)
    array[0] = value
    return array
