"""The Dask task of graphgrpc.dask: one chunk of points through one server, moved to the next
server when one answers UNAVAILABLE or RESOURCE_EXHAUSTED."""
import logging
import time

import grpc
import numpy as np

from graphgrpc._dask_clients import client_for
from graphgrpc.errors import GraphError, GraphGrpcError
from graphgrpc.v1 import graph_pb2

# A server draining or gone, or at its concurrency limit: another server (or the same one a little
# later) can take the chunk. Evaluations have no side effects, so a retry is always safe.
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})

# Pause before each new round over the whole server list: 0.1 s, then 0.2 s, and so on.
BACKOFF_SECONDS = 0.1

_log = logging.getLogger("graphgrpc.dask")


class ChunkSpec:
    """What every chunk task of one evaluate_batch shares: the graph, the ids, the servers and the
    shapes of one point's outputs and gradients, {"outputs": {id: shape}, "gradients": {id: shape}},
    for an empty chunk, which is answered without a call."""

    def __init__(self, graph_bytes, output_ids, gradient_ids, batch_ids, shared_gradients, servers, client_options,
                 attempts, point_shapes):
        self.graph_bytes = graph_bytes
        self.output_ids = list(output_ids)
        self.gradient_ids = list(gradient_ids)
        self.batch_ids = list(batch_ids)
        self.shared_gradients = shared_gradients
        self.servers = list(servers)
        self.client_options = dict(client_options)
        self.attempts = attempts if attempts is not None else max(3, 2 * len(self.servers))
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {self.attempts}")
        self.point_shapes = point_shapes
        self._graph = None

    @property
    def graph(self):
        """The graphgrpc.v1.Graph, parsed once per process."""
        if self._graph is None:
            self._graph = graph_pb2.Graph.FromString(self.graph_bytes)
        return self._graph

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_graph"} | {"_graph": None}

    def __dask_tokenize__(self):
        return (self.graph_bytes, self.output_ids, self.gradient_ids, self.batch_ids, self.shared_gradients,
                self.servers, sorted(self.client_options.items()), self.attempts)


def evaluate_chunk(spec, index, *blocks):
    """Chunk `index`'s results: {"outputs": {id: [K, ...]}, "gradients": {id: array}, "served_by": address}.

    It goes first to servers[index % len(servers)], then round the list, pausing before each new
    round, up to spec.attempts tries. A refused graph or any other failure is raised at once.
    """
    columns = dict(zip(spec.batch_ids, blocks))
    points = len(blocks[0])
    if points == 0:
        return _empty(spec)
    servers, last = spec.servers, None
    for attempt in range(spec.attempts):
        address = servers[(index + attempt) % len(servers)]
        if attempt and attempt % len(servers) == 0:
            time.sleep(BACKOFF_SECONDS * (attempt // len(servers)))
        try:
            result = client_for(address, spec.client_options).evaluate_batch(
                spec.output_ids, columns, wrt=spec.gradient_ids, graph=spec.graph,
                shared_gradients=spec.shared_gradients)
        except GraphError:
            raise
        except GraphGrpcError as error:
            if error.code not in RETRYABLE:
                raise
            last = error
            _log.warning("chunk %d (%d points): %s answered %s; trying again", index, points, address, error.code.name)
            continue
        return {"outputs": dict(result.outputs), "gradients": dict(result.gradients), "served_by": address}
    raise GraphGrpcError(last.code, f"chunk {index} ({points} points) got no answer in {spec.attempts} attempt(s) "
                                    f"over {', '.join(servers)}; the last: {last.details}")


def _empty(spec):
    """The results of a chunk of no points: empty columns, and zeros for summed gradients."""
    outputs = {k: np.empty((0, *spec.point_shapes["outputs"][k])) for k in spec.output_ids}
    gradients = {}
    for key in spec.gradient_ids:
        shape = spec.point_shapes["gradients"][key]
        per_point = key in spec.batch_ids or spec.shared_gradients == "per_point"
        gradients[key] = np.empty((0, *shape)) if per_point else np.zeros(shape)
    return {"outputs": outputs, "gradients": gradients, "served_by": None}
