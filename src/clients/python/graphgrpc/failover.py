"""A batch stream that survives the death of its server: it resumes on another one.

    with Client("10.0.0.1:50051") as a, Client("10.0.0.2:50051") as b:
        for result in stream_batch_failover([a, b], z, chunks, wrt=[x, y]):
            ...  # one ChunkResult per chunk, in order, each exactly once

Each chunk is sent with its sequence number (its index), and the server answers each with the
same number. When a stream breaks (the server died, or it refuses as draining or overloaded), the
stream is opened again on the next server from the first chunk that has no result yet; the results
already received are kept, so every chunk's result is yielded once. The chunks must be a sequence
(a list, say) so that those after a break can be sent again.
"""
import grpc

from graphgrpc._tensors import from_tensor, to_tensor
from graphgrpc.client import _SHARED_GRADIENTS, ChunkResult, NodeMap, _choice, _ids, _resolve
from graphgrpc.errors import translated_rpc_errors
from graphgrpc.graph import node_id
from graphgrpc.v1 import evaluator_pb2, evaluator_pb2_grpc

# What a server that went away, or is going away, answers: worth trying the next one.
RESUMABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})


def stream_batch_failover(clients, outputs, chunks, *, wrt=None, graph=None, shared_gradients="per_point",
                          timeout=None, max_resumes=None):
    """Yields (ChunkResult, server address) for every chunk, in order, resuming on the next of
    `clients` whenever a stream breaks. Gives up, raising the last error, after `max_resumes`
    breaks (by default two per client).

    shared_gradients: "per_point" (the default here) or "sum". With "sum", each result's gradients
    of shared nodes are that chunk's sums; add them up for the total.
    """
    clients = list(clients)
    if not clients:
        raise ValueError("stream_batch_failover needs at least one client")
    chunks = list(chunks)
    if not chunks:
        return
    proto, output_ids = _resolve(outputs, graph, None)
    start = evaluator_pb2.BatchStart(
        graph=proto, batch_inputs=[node_id(k) for k in chunks[0]], outputs=output_ids, wrt=_ids(wrt),
        shared_gradients=_choice(_SHARED_GRADIENTS, shared_gradients, "shared_gradients"), raw_tensors=True)
    resumes_left = 2 * len(clients) if max_resumes is None else max_resumes
    next_chunk, turn = 0, 0
    while next_chunk < len(chunks):
        client = clients[turn % len(clients)]
        stub = evaluator_pb2_grpc.GraphEvaluatorStub(client.channel)
        call = stub.EvaluateBatch(_requests(start, chunks, next_chunk), timeout=client._timeout(timeout),
                                  metadata=client._metadata)
        try:
            for response in call:
                if response.WhichOneof("message") != "result":
                    continue
                result = response.result
                if result.sequence != next_chunk:
                    raise RuntimeError(f"{client.address} answered chunk {result.sequence} where chunk {next_chunk} was due")
                next_chunk += 1
                yield (ChunkResult(result.sequence,
                                   NodeMap((k, from_tensor(t)) for k, t in result.outputs.items()),
                                   NodeMap((k, from_tensor(t)) for k, t in result.gradients.items()),
                                   NodeMap((k, from_tensor(t)) for k, t in result.output_tangents.items())),
                       client.address)
            if next_chunk < len(chunks):
                raise RuntimeError(f"{client.address} ended the stream after {next_chunk} of {len(chunks)} chunks")
        except grpc.RpcError as error:
            if error.code() not in RESUMABLE or resumes_left == 0:
                with translated_rpc_errors():
                    raise
            resumes_left -= 1
            turn += 1
        finally:
            call.cancel()


def _requests(start, chunks, first):
    yield evaluator_pb2.EvaluateBatchRequest(start=start)
    for sequence in range(first, len(chunks)):
        columns = {node_id(key): to_tensor(column, raw=True) for key, column in chunks[sequence].items()}
        yield evaluator_pb2.EvaluateBatchRequest(chunk=evaluator_pb2.BatchChunk(sequence=sequence, columns=columns))
