"""graphgrpc: build computational graphs in Python and evaluate them, with their gradients, on a
GraphGrpc server.

    from graphgrpc import Client, Graph
    g = Graph(); x = g.input("x", 2.0); y = g.input("y", 3.0)
    z = g.log(3 * x**2 + 5 * x * y)
    result = Client("127.0.0.1:50051").evaluate(z, wrt=[x, y])
    result.values[z], result.gradients[x], result.gradients[y]
"""
from graphgrpc.client import BatchResult, BatchStream, ChunkResult, Client, EvaluationResult, Event, NodeMap
from graphgrpc.drawing import Drawing, draw
from graphgrpc.errors import GraphError, GraphGrpcError, Problem, UnsupportedError
from graphgrpc.graph import OPS, Graph, Node

__version__ = "0.1.0"

__all__ = [
    "BatchResult", "BatchStream", "ChunkResult", "Client", "Drawing", "EvaluationResult", "Event", "GraphError",
    "GraphGrpcError", "Graph", "Node", "NodeMap", "OPS", "Problem", "UnsupportedError", "draw", "from_onnx", "from_torch",
]


def from_torch(fn_or_module, *example_inputs):
    """The Graph of a torch function or nn.Module, traced with torch.fx at the example inputs;
    see graphgrpc.torch_import. Needs PyTorch, which `import graphgrpc` alone does not."""
    from graphgrpc.torch_import import from_torch as trace
    return trace(fn_or_module, *example_inputs)


def from_onnx(path_or_model, *, inputs=None, trainable=()):
    """The Graph of an ONNX model (a path, bytes or an onnx.ModelProto); see graphgrpc.onnx_import.
    Needs the onnx package, which `import graphgrpc` alone does not."""
    from graphgrpc.onnx_import import from_onnx as load
    return load(path_or_model, inputs=inputs, trainable=trainable)
