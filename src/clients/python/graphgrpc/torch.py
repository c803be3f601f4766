"""A graph served by GraphGrpc as a differentiable PyTorch layer.

    g = Graph()
    x = g.input("x", np.zeros(3))                       # one point; forward takes a batch [N, 3]
    w = g.input("w", np.ones((3, 2)))                   # a parameter, trained with the model
    block = RemoteModule(g.tanh(x @ w), inputs=[x], client=Client("127.0.0.1:50051"), name="block")
    model = nn.Sequential(nn.Linear(4, 3), block, nn.Linear(2, 1))

Forward evaluates the graph at every point of the batch over one EvaluateBatch stream.

Backward is a vector-Jacobian product. EvaluateBatch seeds every output with ones and takes no
seed per point, so backward evaluates the augmented graph L = sum(output * seed), with `seed` a
batch input carrying grad_output point by point. mul's backward hands `seed` itself to `output`,
so the gradients of L are the VJP exactly, bit for bit what a seeded Evaluate gives: per point for
the batch inputs, and summed over the points (SharedGradients) for the parameters. A training
step therefore costs two calls: one forward, one backward, which evaluates the graph again.
"""
import grpc
import numpy as np
import torch
from torch import nn
from torch.autograd.function import once_differentiable

from graphgrpc.client import Client
from graphgrpc.errors import GraphError, GraphGrpcError
from graphgrpc.graph import Node
from graphgrpc._tensors import to_tensor
from graphgrpc.v1 import graph_pb2


class RemoteLayerError(RuntimeError):
    """A remote layer's call to the server failed; the message names the layer and the cause.
    `layer` is the layer's name and `code` the grpc.StatusCode."""

    def __init__(self, layer, code, message):
        super().__init__(message)
        self.layer = layer
        self.code = code


class RemoteGraph:
    """One output of a Graph, evaluated on a server as a function of batch inputs and parameters.

    output: the node the layer returns. inputs: the input leaves that vary per point, in the order
    the layer takes them; each takes a tensor [N, ...the leaf's shape]. parameters: the input leaves
    shared by every point, which get gradients summed over the batch; by default every other input
    leaf. The graph is read once, here; the leaves' values at this moment are the parameters'
    starting values (RemoteModule) and the constants'.

    Calling it, `remote(*batch_inputs, *parameters)`, applies RemoteFunction.
    """

    def __init__(self, output, inputs, parameters=None, *, client="127.0.0.1:50051", name=None):
        if not isinstance(output, Node):
            raise TypeError(f"output must be a Node of a Graph, not {type(output).__name__}")
        graph = output.graph
        self.name = name or output.id
        self.output_id = output.id
        self.input_ids = _leaf_ids(graph, inputs, self.name, "inputs")
        if not self.input_ids:
            raise ValueError(f"remote layer '{self.name}': needs at least one input that varies per point")
        if parameters is None:
            parameters = [n for n in graph.nodes if n.op == "input" and n.id not in self.input_ids]
        self.parameter_ids = _leaf_ids(graph, parameters, self.name, "parameters")
        shared = set(self.input_ids) & set(self.parameter_ids)
        if shared:
            raise ValueError(f"remote layer '{self.name}': {sorted(shared)} cannot be both an input and a parameter")
        self.shapes = {i: tuple(graph[i].value.shape) for i in (*self.input_ids, *self.parameter_ids)}
        self.initial_values = {i: graph[i].value.copy() for i in self.parameter_ids}
        self._nodes = [node.to_proto(raw=True) for node in graph.nodes]
        self._seed_id, self._product_id, self._seeded_id = (
            _fresh_id(graph, f"{self.output_id}.{part}") for part in ("seed", "seeded", "vjp"))
        self.client = Client(client) if isinstance(client, str) else client

    def __call__(self, *tensors):
        return RemoteFunction.apply(self, *tensors)

    def __repr__(self):
        return (f"RemoteGraph('{self.name}': {self.output_id} of inputs {list(self.input_ids)}, "
                f"parameters {list(self.parameter_ids)}, at {self.client.address})")

    def check(self, tensors):
        """The batch size, after checking that the tensors fit the inputs and parameters."""
        expected = len(self.input_ids) + len(self.parameter_ids)
        if len(tensors) != expected:
            raise ValueError(f"remote layer '{self.name}': takes {len(self.input_ids)} batch input(s) "
                             f"{list(self.input_ids)} and {len(self.parameter_ids)} parameter(s) "
                             f"{list(self.parameter_ids)}, but got {len(tensors)} tensor(s)")
        batch, parameters = tensors[:len(self.input_ids)], tensors[len(self.input_ids):]
        sizes = set()
        for node_id, tensor in zip(self.input_ids, batch):
            point = self.shapes[node_id]
            if tensor.dim() != len(point) + 1 or tuple(tensor.shape[1:]) != point:
                raise ValueError(f"remote layer '{self.name}': input '{node_id}' takes a batch of points of "
                                 f"shape {list(point)}, that is {_batch_shape(point)}, but got a tensor of shape "
                                 f"{list(tensor.shape)}")
            sizes.add(tensor.shape[0])
        if len(sizes) > 1:
            raise ValueError(f"remote layer '{self.name}': the batch inputs disagree on the number of points: "
                             + ", ".join(f"'{i}' has {t.shape[0]}" for i, t in zip(self.input_ids, batch)))
        for node_id, tensor in zip(self.parameter_ids, parameters):
            if tuple(tensor.shape) != self.shapes[node_id]:
                raise ValueError(f"remote layer '{self.name}': parameter '{node_id}' has shape "
                                 f"{list(self.shapes[node_id])} in the graph, but got {list(tensor.shape)}")
        points = sizes.pop()
        if points == 0:
            raise ValueError(f"remote layer '{self.name}': the batch is empty")
        return points

    def forward(self, batch, parameters):
        """The output at every point, [N, ...]: batch and parameters are numpy arrays."""
        # Asking for the gradient of the output itself keeps backward to nothing.
        result = self._evaluate("forward", self._graph(parameters), [self.output_id], batch, [self.output_id])
        return result.outputs[self.output_id]

    def vjp(self, batch, parameters, grad_output, wanted):
        """{id: gradient} for the ids in `wanted`, of sum(output * grad_output): per point for batch
        inputs, summed over the points for parameters."""
        graph = self._graph(parameters)
        output_shape = grad_output.shape[1:]
        graph.nodes.add(id=self._seed_id).input.value.CopyFrom(to_tensor(np.zeros(output_shape), raw=True))
        graph.nodes.add(id=self._product_id, inputs=[self.output_id, self._seed_id], mul=graph_pb2.Mul())
        graph.nodes.add(id=self._seeded_id, inputs=[self._product_id], sum=graph_pb2.Sum())
        columns = dict(batch, **{self._seed_id: grad_output})
        result = self._evaluate("backward", graph, [self._seeded_id], columns, list(wanted))
        return {node_id: result.gradients[node_id] for node_id in wanted}

    def _graph(self, parameters):
        graph = graph_pb2.Graph(nodes=self._nodes)
        by_id = {node.id: node for node in graph.nodes}
        for node_id, value in parameters.items():
            by_id[node_id].input.value.CopyFrom(to_tensor(value, raw=True))
        return graph

    def _evaluate(self, phase, graph, outputs, columns, wrt):
        try:
            return self.client.evaluate_batch(outputs, columns, graph=graph, wrt=wrt, shared_gradients="sum")
        except GraphError as error:
            problems = "".join(f"\n  {p}" for p in error.problems)
            raise RemoteLayerError(self.name, error.code, f"remote layer '{self.name}': the server refused the "
                                   f"{phase} pass ({error.code.name}: {error.details}){problems}") from error
        except GraphGrpcError as error:
            if error.code == grpc.StatusCode.UNAVAILABLE:
                cause = f"cannot reach the server at {self.client.address}"
            else:
                cause = "the server failed"
            raise RemoteLayerError(self.name, error.code, f"remote layer '{self.name}': {cause} in the {phase} "
                                   f"pass ({error.code.name}: {error.details})") from error


class RemoteFunction(torch.autograd.Function):
    """`RemoteFunction.apply(remote, *batch_inputs, *parameters)`: remote is a RemoteGraph, each
    batch input a tensor [N, ...point shape] and each parameter a tensor of its leaf's shape. Returns
    [N, ...the output's shape], in the first batch input's dtype and device. Backward returns the
    gradient of every tensor that needs one; it is not itself differentiable."""

    @staticmethod
    def forward(ctx, remote, *tensors):
        remote.check(tensors)
        ctx.remote = remote
        ctx.save_for_backward(*tensors)
        batch, parameters = _arrays(remote, tensors)
        output = remote.forward(batch, parameters)
        like = tensors[0]
        return torch.from_numpy(output).to(dtype=like.dtype, device=like.device)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        remote = ctx.remote
        tensors = ctx.saved_tensors
        ids = (*remote.input_ids, *remote.parameter_ids)
        wanted = [node_id for node_id, needed in zip(ids, ctx.needs_input_grad[1:]) if needed]
        if not wanted:
            return (None,) * (1 + len(tensors))
        batch, parameters = _arrays(remote, tensors)
        gradients = remote.vjp(batch, parameters, _numpy(grad_output), wanted)
        return (None, *(torch.from_numpy(gradients[i]).to(dtype=t.dtype, device=t.device) if i in gradients else None
                        for i, t in zip(ids, tensors)))


class RemoteModule(nn.Module):
    """An nn.Module around a RemoteGraph: the graph's parameter leaves become nn.Parameters,
    starting at the leaves' values, and forward(*batch_inputs) evaluates the graph on the server.

    The arguments are RemoteGraph's. Parameters are registered under their node ids, with "." as
    "_" (torch reserves "."); `parameter(node_id)` finds one by its id.
    """

    def __init__(self, output, inputs, parameters=None, *, client="127.0.0.1:50051", name=None):
        super().__init__()
        self.remote = RemoteGraph(output, inputs, parameters, client=client, name=name)
        self._parameter_names = {}
        for node_id in self.remote.parameter_ids:
            name = node_id.replace(".", "_")
            if name in self._parameter_names.values():
                raise ValueError(f"remote layer '{self.remote.name}': parameters '{node_id}' and "
                                 f"'{next(k for k, v in self._parameter_names.items() if v == name)}' "
                                 f"would both be registered as '{name}'")
            self._parameter_names[node_id] = name
            self.register_parameter(name, nn.Parameter(torch.from_numpy(self.remote.initial_values[node_id].copy())))

    def parameter(self, node_id):
        """The nn.Parameter of a parameter leaf, by its node id."""
        try:
            return getattr(self, self._parameter_names[node_id])
        except KeyError:
            raise KeyError(f"remote layer '{self.remote.name}' has no parameter '{node_id}' "
                           f"(have: {', '.join(self._parameter_names) or 'none'})") from None

    def forward(self, *inputs):
        return self.remote(*inputs, *(self.parameter(i) for i in self.remote.parameter_ids))

    def extra_repr(self):
        return (f"'{self.remote.name}': {self.remote.output_id} of {list(self.remote.input_ids)}, "
                f"at {self.remote.client.address}")


def _leaf_ids(graph, nodes, layer, what):
    ids = []
    for node in nodes:
        node = graph[node] if isinstance(node, str) else node
        if not isinstance(node, Node) or node.graph is not graph:
            raise ValueError(f"remote layer '{layer}': {what} must be input leaves of the output's graph, "
                             f"not {node!r}")
        if node.op != "input":
            raise ValueError(f"remote layer '{layer}': {what} must be input leaves, but '{node.id}' is a {node.op}")
        ids.append(node.id)
    if len(set(ids)) != len(ids):
        raise ValueError(f"remote layer '{layer}': {what} name a leaf twice: {ids}")
    return tuple(ids)


def _batch_shape(point):
    return "[" + ", ".join(["N", *map(str, point)]) + "]"


def _fresh_id(graph, wanted):
    node_id = wanted
    while node_id in graph:
        node_id += "_"
    return node_id


def _numpy(tensor):
    return tensor.detach().to(device="cpu", dtype=torch.float64).numpy()


def _arrays(remote, tensors):
    batch = {i: _numpy(t) for i, t in zip(remote.input_ids, tensors)}
    parameters = {i: _numpy(t) for i, t in zip(remote.parameter_ids, tensors[len(remote.input_ids):])}
    return batch, parameters


__all__ = ["RemoteFunction", "RemoteGraph", "RemoteLayerError", "RemoteModule"]
