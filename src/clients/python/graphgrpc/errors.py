"""Exceptions: a failed call, and a graph the server refused with every problem it found."""
import contextlib
from collections import namedtuple

import grpc

from graphgrpc._rpc import Status
from graphgrpc.v1 import evaluator_pb2

_KIND_PREFIX = "PROBLEM_KIND_"


class Problem(namedtuple("Problem", ["node_id", "kind", "message"])):
    """One problem with a graph: the node it concerns ("" for none), its kind as the ProblemKind
    name without its prefix (say "CYCLE"), and a sentence."""

    __slots__ = ()

    @classmethod
    def from_proto(cls, problem):
        return cls(problem.node_id, evaluator_pb2.ProblemKind.Name(problem.kind)[len(_KIND_PREFIX):], problem.message)

    def __str__(self):
        return f"{self.node_id or '(graph)'}: {self.message} [{self.kind}]"


class GraphGrpcError(Exception):
    """A call that failed: `code` is the grpc.StatusCode and `details` the server's message."""

    def __init__(self, code, details):
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


class GraphError(GraphGrpcError):
    """The server refused a graph or request; `problems` lists every problem it found, as Problem tuples."""

    def __init__(self, code, details, problems):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        GraphGrpcError.__init__(self, code, details)
        self.args = (f"{code.name}: {details}\n{lines}" if lines else f"{code.name}: {details}",)


def from_rpc_error(error):
    """The exception for a grpc.RpcError: a GraphError when its status details carry a
    graphgrpc.v1.ValidationFailure, else a GraphGrpcError."""
    code, details = error.code(), error.details()
    problems = _problems(error)
    if problems is None:
        return GraphGrpcError(code, details)
    return GraphError(code, details, problems)


def _problems(error):
    metadata = error.trailing_metadata() or ()
    raw = next((value for key, value in metadata if key == "grpc-status-details-bin"), None)
    if raw is None:
        return None
    status = Status.FromString(raw)
    failure = evaluator_pb2.ValidationFailure()
    problems = []
    found = False
    for detail in status.details:
        if detail.Is(failure.DESCRIPTOR):
            detail.Unpack(failure)
            problems.extend(Problem.from_proto(p) for p in failure.problems)
            found = True
    return problems if found else None


@contextlib.contextmanager
def translated_rpc_errors():
    """Within it, a grpc.RpcError surfaces as a GraphGrpcError (or GraphError); works in generators too."""
    try:
        yield
    except grpc.RpcError as error:
        raise from_rpc_error(error) from error


class UnsupportedError(ValueError):
    """A model that cannot be imported: the message names the call or node, where it is, and what is supported."""
