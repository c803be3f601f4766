"""A client of graphgrpc.v1.GraphEvaluator that speaks numpy.

    with Client("127.0.0.1:50051") as client:
        result = client.evaluate(z, wrt=[x, y])
        result.values[z], result.gradients[x]
"""
import os
from collections import namedtuple
from collections.abc import Mapping

import grpc
import numpy as np

from graphgrpc._tensors import as_array, from_tensor, to_tensor
from graphgrpc.errors import GraphError, Problem, translated_rpc_errors
from graphgrpc.graph import Graph, Node, node_id
from graphgrpc.v1 import evaluator_pb2, evaluator_pb2_grpc, graph_pb2

# About this many bytes of input per batch chunk when no chunk size is given: big enough that
# per-message costs vanish, small enough that the stream flows while the server works.
_CHUNK_BYTES = 1 << 20

_SELECTION_MODES = {
    "all": evaluator_pb2.NodeSelection.MODE_ALL,
    "leaves": evaluator_pb2.NodeSelection.MODE_LEAVES,
    "none": evaluator_pb2.NodeSelection.MODE_NONE,
}

_SHARED_GRADIENTS = {
    "sum": evaluator_pb2.SHARED_GRADIENTS_SUM,
    "per_point": evaluator_pb2.SHARED_GRADIENTS_PER_POINT,
}


class NodeMap(Mapping):
    """numpy arrays keyed by node id; a Node is a key too. Iterates over the ids."""

    def __init__(self, items=()):
        self._items = dict(items)

    def __getitem__(self, key):
        key = node_id(key)
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"no array for node '{key}' (have: {', '.join(self._items) or 'none'})") from None

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)

    def __repr__(self):
        return f"NodeMap({self._items!r})"


class EvaluationResult:
    """One evaluation: `values`, `gradients` and (when tangents were given) `tangents` are NodeMaps
    of numpy arrays, `summary` the server's graphgrpc.v1.EvaluationSummary."""

    def __init__(self, values, gradients, summary, trace=(), tangents=()):
        self.values = NodeMap(values)
        self.gradients = NodeMap(gradients)
        self.tangents = NodeMap(tangents)
        self.summary = summary
        self.trace = list(trace)

    @property
    def plan_hash(self):
        return self.summary.plan_hash

    @property
    def first_non_finite(self):
        """(node id, in_gradient) of the first NaN or infinity, or None when all are finite."""
        if not self.summary.HasField("first_non_finite"):
            return None
        return self.summary.first_non_finite.node_id, self.summary.first_non_finite.in_gradient

    def __repr__(self):
        return f"EvaluationResult(values={self.values!r}, gradients={self.gradients!r})"


class Event(namedtuple("Event", ["kind", "node_id", "array", "message"])):
    """One event of stream_evaluate. `kind` is "value", "tangent" (right after its node's value,
    when tangents were given) or "gradient" (each with `node_id` and `array`),
    "trace" (`message` is a graphgrpc.v1.TraceEvent) or "summary" (a graphgrpc.v1.EvaluationSummary)."""

    __slots__ = ()


ChunkResult = namedtuple("ChunkResult", ["sequence", "outputs", "gradients", "tangents"])
ChunkResult.__doc__ = """One batch chunk's results: NodeMaps of arrays shaped [K, ...], gradients
of shared nodes summed over the chunk (with shared_gradients="sum") and shaped like the node, and
the outputs' tangents when the chunks carried tangents."""


class BatchResult:
    """A whole batch: `outputs` and `gradients` are NodeMaps. Outputs, and gradients of batch inputs,
    are [N, ...] arrays; a shared node's gradient is summed over the N points (shaped like the node),
    or [N, ...] with shared_gradients="per_point"."""

    def __init__(self, outputs, gradients, points, plan_hash, tangents=()):
        self.outputs = NodeMap(outputs)
        self.gradients = NodeMap(gradients)
        self.tangents = NodeMap(tangents)
        self.points = points
        self.plan_hash = plan_hash

    def __repr__(self):
        return f"BatchResult(points={self.points}, outputs={self.outputs!r}, gradients={self.gradients!r})"


class Gradient:
    """What differentiate returns: `graph`, a Graph computing the gradients, with the same leaves as
    the graph differentiated (`proto` is the graphgrpc.v1.Graph the server sent); `sinks`, a list of
    (output id, wrt id, Node of `graph`) with one sink per output and wrt node, each computing
    d output / d wrt; `seeds`, with seeds_as_inputs, the input leaf of `graph` that seeds each output
    (a NodeMap keyed by output id); and `plan_hash`, the gradient graph's plan, which the server holds."""

    def __init__(self, response):
        self.proto = response.graph
        self.graph = Graph.from_proto(response.graph)
        self.sinks = [(s.output, s.wrt, self.graph[s.node_id]) for s in response.gradients]
        self.seeds = NodeMap((s.output, self.graph[s.node_id]) for s in response.seeds)
        self.plan_hash = response.plan_hash

    def sink(self, wrt, output=None):
        """The node computing d output / d wrt; output may be left out when there is one."""
        wrt, output = node_id(wrt), None if output is None else node_id(output)
        found = [node for o, w, node in self.sinks if w == wrt and output in (None, o)]
        if len(found) != 1:
            have = ", ".join(f"d {o} / d {w}" for o, w, _ in self.sinks)
            raise KeyError(f"{'no' if not found else 'more than one'} sink for d {output or '(output)'} / d {wrt} (have: {have})")
        return found[0]

    def __repr__(self):
        return f"Gradient(sinks={[(o, w, n.id) for o, w, n in self.sinks]!r}, nodes={len(self.graph)})"


class BatchStream:
    """An EvaluateBatch call over an iterable of chunks. Iterating sends each chunk as the server
    takes it and yields its ChunkResult; afterwards `points`, `summed_gradients` (a NodeMap),
    `plan_hash` and `plan_cache_hit` hold the stream's summary. It can be iterated once."""

    def __init__(self, stub, start, chunks, timeout, metadata, read_only=False):
        # read_only: each chunk's arrays are views of the received bytes, for a caller that copies
        # them on at once (evaluate_batch), which spares one copy of every result column.
        self._read_only = read_only
        self._stub = stub
        self._start = start
        self._chunks = chunks
        self._timeout = timeout
        self._metadata = metadata
        self._started = False
        self.points = None
        self.summed_gradients = None
        self.plan_hash = None
        self.plan_cache_hit = None

    def __iter__(self):
        if self._started:
            raise RuntimeError("a BatchStream can be iterated only once")
        self._started = True
        return self._results()

    def _requests(self, sent, failures):
        yield evaluator_pb2.EvaluateBatchRequest(start=self._start)
        try:
            for sequence, chunk in enumerate(self._chunks):
                values, tangents = chunk if isinstance(chunk, tuple) else (chunk, {})
                columns = {node_id(key): to_tensor(column, raw=True) for key, column in values.items()}
                tangent_columns = {node_id(key): to_tensor(column, raw=True) for key, column in tangents.items()}
                sent.append(sequence)
                yield evaluator_pb2.EvaluateBatchRequest(
                    chunk=evaluator_pb2.BatchChunk(sequence=sequence, columns=columns, tangents=tangent_columns))
        except Exception as error:
            # gRPC would swallow it (the call fails with "Exception iterating requests!"): keep it for
            # the reader, and half-close so the stream ends.
            failures.append(error)

    def _results(self):
        sent, failures = [], []
        # gRPC reads the request generator on its own thread, as flow control lets it, while the
        # results are read here: chunks and results stream both ways at once.
        call = self._stub.EvaluateBatch(self._requests(sent, failures), timeout=self._timeout, metadata=self._metadata)
        try:
            with translated_rpc_errors():
                expected = 0
                for response in call:
                    if failures:
                        raise failures[0]
                    kind = response.WhichOneof("message")
                    if kind == "ready":
                        self.plan_hash = response.ready.plan_hash
                        self.plan_cache_hit = response.ready.plan_cache_hit
                    elif kind == "result":
                        result = response.result
                        if result.sequence != expected:
                            raise RuntimeError(f"the server answered chunk {result.sequence} where chunk {expected} was due")
                        expected += 1
                        copy = not self._read_only
                        yield ChunkResult(result.sequence,
                                          NodeMap((k, from_tensor(t, copy)) for k, t in result.outputs.items()),
                                          NodeMap((k, from_tensor(t, copy)) for k, t in result.gradients.items()),
                                          NodeMap((k, from_tensor(t, copy)) for k, t in result.output_tangents.items()))
                    elif kind == "summary":
                        self.points = response.summary.points
                        self.summed_gradients = NodeMap(
                            (k, from_tensor(t)) for k, t in response.summary.summed_gradients.items())
                if failures:
                    raise failures[0]
                if self.points is None:
                    raise RuntimeError("the batch stream ended without a summary")
                if expected != len(sent):
                    raise RuntimeError(f"{len(sent)} chunks were sent but {expected} results came back")
        finally:
            # A consumer that stops early (or an error) ends the call rather than leaving it open.
            call.cancel()


class Client:
    """A connection to a GraphGrpc server.

    address: "host:port", or a URL ("http://host:port" is plain text, "https://host:port" TLS).
    tls: use TLS with the system's root certificates, or with `root_certificates` (PEM bytes or a
    file path), which imply TLS. token: sent as "authorization: Bearer <token>" on every call.
    timeout: the default deadline of each call, in seconds. max_attempts: how many times an
    idempotent call is tried while the server refuses it as overloaded (graphgrpc.retry); 1 for once.
    """

    def __init__(self, address="127.0.0.1:50051", *, tls=False, root_certificates=None, token=None,
                 timeout=None, metadata=(), options=(), max_attempts=5):
        from graphgrpc.retry import channel_options

        if address.startswith("https://"):
            address, tls = address[len("https://"):], True
        elif address.startswith("http://"):
            address = address[len("http://"):]
        address = address.rstrip("/")
        # The server sets its own message size limit; don't cut large results short at gRPC's 4 MiB default.
        options = [("grpc.max_receive_message_length", -1), *channel_options(max_attempts), *options]
        if tls or root_certificates is not None:
            if isinstance(root_certificates, (str, os.PathLike)):
                with open(root_certificates, "rb") as f:
                    root_certificates = f.read()
            credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self.channel = grpc.secure_channel(address, credentials, options=options)
        else:
            self.channel = grpc.insecure_channel(address, options=options)
        self.address = address
        self.timeout = timeout
        self._metadata = tuple(metadata) + ((("authorization", f"Bearer {token}"),) if token is not None else ())
        self._stub = evaluator_pb2_grpc.GraphEvaluatorStub(self.channel)

    def close(self):
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def validate(self, target, *, outputs=None, wrt=None, graph=None, timeout=None):
        """Checks a graph on the server and returns its node ids in topological order; raises
        GraphError listing every problem if the graph, or the outputs and wrt asked for, is invalid."""
        proto, output_ids = _resolve(target, graph, outputs)
        request = evaluator_pb2.ValidateRequest(graph=proto, outputs=output_ids, wrt=_ids(wrt))
        with translated_rpc_errors():
            response = self._stub.Validate(request, timeout=self._timeout(timeout), metadata=self._metadata)
        if not response.valid:
            problems = [Problem.from_proto(p) for p in response.problems]
            raise GraphError(grpc.StatusCode.INVALID_ARGUMENT, f"the graph has {len(problems)} problem(s)", problems)
        return list(response.order)

    def explain(self, output, wrt, *, graph=None, top_k=10, seed=None, timeout=None):
        """Explains d output / d wrt as a sum over the paths between them. Returns the server's
        graphgrpc.v1.ExplainResponse: `paths` (the top_k of largest contribution, each with its
        node ids and contribution), `path_count` (exact, a decimal string), `total`, `remainder`
        (total minus the paths shown), `blocks` (fork/join blocks) and `edges` (local gradients)."""
        proto, output_ids = _resolve(output, graph, None)
        if len(output_ids) > 1:
            raise ValueError(f"explain takes one output, not {len(output_ids)}")
        request = evaluator_pb2.ExplainRequest(graph=proto, output=output_ids[0] if output_ids else "", wrt=node_id(wrt),
                                               top_k=top_k, seed=to_tensor(seed, raw=True) if seed is not None else None)
        with translated_rpc_errors():
            return self._stub.Explain(request, timeout=self._timeout(timeout), metadata=self._metadata)

    def differentiate(self, outputs, wrt=None, *, graph=None, seeds_as_inputs=False, timeout=None):
        """The gradient as a graph: returns a Gradient whose `graph` computes d outputs / d wrt at
        `sinks[wrt]`, for every wrt node (every input leaf when None). Evaluating it gives the numbers
        evaluate() gives; differentiating it again gives second derivatives. With seeds_as_inputs,
        backward starts from a new input leaf per output (`seeds[output]`) instead of ones, so the
        graph computes a vector-Jacobian product for any seed. outputs and graph are as for evaluate."""
        proto, output_ids = _resolve(outputs, graph, None)
        request = evaluator_pb2.DifferentiateRequest(graph=proto, outputs=output_ids, wrt=_ids(wrt),
                                                     seeds_as_inputs=seeds_as_inputs)
        with translated_rpc_errors():
            response = self._stub.Differentiate(request, timeout=self._timeout(timeout), metadata=self._metadata)
        return Gradient(response)

    def hvp(self, f, at, v, *, timeout=None):
        """The Hessian of the scalar f times v, at the point `at` ({input: value}); v is {input: array}
        shaped like the inputs. Returns a NodeMap {input: array}. See graphgrpc.autodiff."""
        from graphgrpc.autodiff import hvp
        return hvp(self, f, at, v, timeout=timeout)

    def hessian(self, f, at, *, timeout=None):
        """The Hessian of the scalar f at the point `at` ({input: value}): H[a][b] has shape
        a.shape + b.shape and holds d2f / da db. See graphgrpc.autodiff."""
        from graphgrpc.autodiff import hessian
        return hessian(self, f, at, timeout=timeout)

    def evaluate(self, outputs, wrt=None, *, graph=None, seeds=None, values="all", gradients="all",
                 trace=False, tangents=None, timeout=None):
        """Evaluates and differentiates a graph in one call; returns an EvaluationResult.

        outputs: the node(s) backward starts from, as Nodes or ids (ids need `graph`), or a Graph
        (or graphgrpc.v1.Graph) to start from its one sink. wrt: the nodes to differentiate with
        respect to; every input leaf when None. seeds: {node: array} for a vector-Jacobian product.
        values, gradients: "all", "leaves", "none" or a list of nodes to send back.
        tangents: {input leaf: array shaped like it} for forward mode: `tangents` of the result then
        holds each node's Jacobian-vector product, for the nodes whose values are sent.
        """
        request = self._evaluate_request(outputs, wrt, graph, seeds, values, gradients, trace, tangents)
        with translated_rpc_errors():
            response = self._stub.EvaluateUnary(request, timeout=self._timeout(timeout), metadata=self._metadata)
        return EvaluationResult(((v.node_id, from_tensor(v.value)) for v in response.values),
                                ((g.node_id, from_tensor(g.gradient)) for g in response.gradients),
                                response.summary, response.trace,
                                ((t.node_id, from_tensor(t.tangent)) for t in response.tangents))

    def stream_evaluate(self, outputs, wrt=None, *, graph=None, seeds=None, values="all", gradients="all",
                        trace=False, tangents=None, timeout=None):
        """The evaluation of evaluate() as the server streams it: yields an Event per node value
        (in topological order, each followed by its tangent when tangents are given) and per gradient
        (in reverse), then trace events, then the summary."""
        request = self._evaluate_request(outputs, wrt, graph, seeds, values, gradients, trace, tangents)
        call = self._stub.Evaluate(request, timeout=self._timeout(timeout), metadata=self._metadata)
        try:
            with translated_rpc_errors():
                for event in call:
                    kind = event.WhichOneof("event")
                    if kind == "value":
                        yield Event("value", event.value.node_id, from_tensor(event.value.value), event.value)
                    elif kind == "tangent":
                        yield Event("tangent", event.tangent.node_id, from_tensor(event.tangent.tangent), event.tangent)
                    elif kind == "gradient":
                        yield Event("gradient", event.gradient.node_id, from_tensor(event.gradient.gradient), event.gradient)
                    elif kind == "trace":
                        yield Event("trace", event.trace.node_id, None, event.trace)
                    elif kind == "summary":
                        yield Event("summary", "", None, event.summary)
        finally:
            call.cancel()

    def stream_batch(self, outputs, chunks, *, wrt=None, graph=None, shared_gradients="sum", forward_only=False,
                     timeout=None, read_only=False):
        """Evaluates a graph at many points, chunk by chunk, for data that need not fit in memory.

        chunks: an iterable (a generator, say) of dicts {input node or id: array [K, ...]}; every
        chunk has the same inputs, which vary per point while the other leaves are shared. For
        forward mode a chunk is a pair (columns, tangents), tangents a dict of arrays shaped like
        the columns for some of the inputs (the same in every chunk); each ChunkResult then has the
        outputs' tangents. forward_only: values (and tangents) only, no backward pass.
        Returns a BatchStream: iterate it for each chunk's ChunkResult, then read its summary.
        read_only: the chunks' arrays are read-only views of the received bytes, one copy fewer.
        """
        chunks = iter(chunks)
        first = next(chunks, None)
        columns, tangents = first if isinstance(first, tuple) else (first or {}, {})
        proto, output_ids = _resolve(outputs, graph, None)
        start = evaluator_pb2.BatchStart(
            graph=proto, batch_inputs=[node_id(k) for k in columns], outputs=output_ids, wrt=_ids(wrt),
            shared_gradients=_choice(_SHARED_GRADIENTS, shared_gradients, "shared_gradients"), raw_tensors=True,
            tangent_inputs=[node_id(k) for k in tangents], forward_only=forward_only)
        all_chunks = _prepend(first, chunks) if first is not None else iter(())
        return BatchStream(self._stub, start, all_chunks, self._timeout(timeout), self._metadata, read_only)

    def evaluate_batch(self, outputs, inputs, *, wrt=None, graph=None, chunk_size=None, shared_gradients="sum",
                       tangents=None, forward_only=False, timeout=None):
        """Evaluates a graph at N points: inputs is {input node or id: array [N, ...]}.

        The arrays go over one stream in chunks of chunk_size points (by default about 1 MiB of
        input each) as raw float64 bytes. tangents: {batch input: array [N, ...]} for forward mode;
        the result's `tangents` then holds each output's tangent at every point. forward_only:
        values (and tangents) only, no backward pass. Returns a BatchResult.
        """
        columns = {node_id(k): as_array(v) for k, v in inputs.items()}
        tangent_columns = {node_id(k): as_array(v) for k, v in (tangents or {}).items()}
        for key, tangent in tangent_columns.items():
            if key not in columns:
                raise ValueError(f"tangent for '{key}', which is not one of the batch inputs ({', '.join(columns)})")
            if tangent.shape != columns[key].shape:
                raise ValueError(f"the tangent of '{key}' has shape {list(tangent.shape)}, its inputs {list(columns[key].shape)}")
        if not columns:
            raise ValueError("evaluate_batch needs at least one input column; use evaluate for a single point")
        counts = {k: (v.shape[0] if v.ndim else None) for k, v in columns.items()}
        if None in counts.values() or len(set(counts.values())) != 1:
            raise ValueError("every input needs the same number of points along its first axis: "
                             + ", ".join(f"{k} has {'no axis' if n is None else n}" for k, n in counts.items()))
        points = next(iter(counts.values()))
        if chunk_size is None:
            point_bytes = sum(8 * int(np.prod(v.shape[1:])) for v in [*columns.values(), *tangent_columns.values()])
            chunk_size = max(1, _CHUNK_BYTES // max(point_bytes, 1))
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")

        chunks = (({k: v[i:i + chunk_size] for k, v in columns.items()},
                   {k: v[i:i + chunk_size] for k, v in tangent_columns.items()}) for i in range(0, points, chunk_size))
        stream = self.stream_batch(outputs, chunks, wrt=wrt, graph=graph, shared_gradients=shared_gradients,
                                   forward_only=forward_only, timeout=timeout, read_only=True)
        outputs_by_id, gradients_by_id, tangents_by_id = {}, {}, {}
        for result in stream:
            for parts, arrays in ((outputs_by_id, result.outputs), (gradients_by_id, result.gradients),
                                  (tangents_by_id, result.tangents)):
                for key, array in arrays.items():
                    parts.setdefault(key, []).append(array)
        gradients = {k: stream.summed_gradients[k] if k in stream.summed_gradients else _concatenate(parts, points)
                     for k, parts in gradients_by_id.items()}
        return BatchResult({k: _concatenate(parts, points) for k, parts in outputs_by_id.items()}, gradients,
                           stream.points, stream.plan_hash,
                           {k: _concatenate(parts, points) for k, parts in tangents_by_id.items()})

    def _evaluate_request(self, outputs, wrt, graph, seeds, values, gradients, trace, tangents):
        proto, output_ids = _resolve(outputs, graph, None)
        return evaluator_pb2.EvaluateRequest(
            graph=proto, outputs=output_ids, wrt=_ids(wrt),
            seeds={node_id(k): to_tensor(v, raw=True) for k, v in (seeds or {}).items()},
            values=_selection(values, "values"), gradients=_selection(gradients, "gradients"),
            trace=trace, raw_tensors=True,
            tangents={node_id(k): to_tensor(v, raw=True) for k, v in (tangents or {}).items()})

    def _timeout(self, timeout):
        return self.timeout if timeout is None else timeout


def _resolve(target, graph, outputs):
    """(graphgrpc.v1.Graph, output ids) from a Node, a list of Nodes or ids, or a whole graph."""
    if isinstance(target, (Graph, graph_pb2.Graph)):
        if graph is not None:
            raise ValueError("give the graph once: as the target or as graph=, not both")
        graph, target = target, outputs
    elif outputs is not None:
        raise ValueError("give the outputs once: as the target or as outputs=, not both")
    targets = [] if target is None else [target] if isinstance(target, (Node, str)) else list(target)
    for node in targets:
        if isinstance(node, Node):
            if graph is None:
                graph = node.graph
            elif isinstance(graph, Graph) and node.graph is not graph:
                raise ValueError(f"node '{node.id}' belongs to another graph")
    if graph is None:
        raise ValueError("no graph: pass Nodes, or node ids with graph=")
    proto = graph.to_proto(raw=True) if isinstance(graph, Graph) else graph
    return proto, [node_id(n) for n in targets]


def _ids(nodes):
    if nodes is None:
        return []
    if isinstance(nodes, (Node, str)):
        return [node_id(nodes)]
    return [node_id(n) for n in nodes]


def _selection(selection, name):
    if isinstance(selection, str):
        return evaluator_pb2.NodeSelection(mode=_choice(_SELECTION_MODES, selection, name))
    return evaluator_pb2.NodeSelection(mode=evaluator_pb2.NodeSelection.MODE_LISTED, node_ids=_ids(selection))


def _choice(choices, value, name):
    try:
        return choices[value]
    except (KeyError, TypeError):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}") from None


def _prepend(first, rest):
    yield first
    yield from rest


def _concatenate(parts, points):
    array = np.concatenate(parts, axis=0)
    if array.shape[0] != points:
        raise RuntimeError(f"the server returned {array.shape[0]} points for {points} sent")
    return array
