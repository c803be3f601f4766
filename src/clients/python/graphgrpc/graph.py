"""A graph builder: nodes combine with Python operators, and a graph serializes to graphgrpc.v1.Graph.

    g = Graph()
    x = g.input("x", 2.0)
    y = g.input("y", 3.0)
    z = g.log(3 * x**2 + 5 * x * y, id="z")

Python numbers and numpy arrays become constant nodes where an operand is expected.
"""
import numbers

from google.protobuf import json_format, wrappers_pb2

from graphgrpc._tensors import as_array, from_tensor, to_tensor
from graphgrpc.v1 import graph_pb2

_REDUCTIONS = {
    None: graph_pb2.REDUCTION_UNSPECIFIED,
    "mean": graph_pb2.REDUCTION_MEAN,
    "sum": graph_pb2.REDUCTION_SUM,
}

# Every op of graph.proto by its field name; each has a Graph method of the same name.
OPS = (
    "input", "constant",
    "add", "sub", "mul", "div", "pow", "maximum", "minimum",
    "neg", "exp", "log", "sqrt", "square", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "sign", "identity",
    "matmul", "transpose", "reshape", "broadcast_to",
    "sum", "mean",
    "softmax", "log_softmax", "mse", "cross_entropy",
)

_UNARY = ("neg", "exp", "log", "sqrt", "square", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "sign", "identity")


class Node:
    """One node of a Graph. Nodes are hashable and compare by identity, so they can key dicts.

    Leaves (`input`, `constant`) hold their value in `value`, a float64 numpy array that may be
    replaced between evaluations, as a training loop does with its parameters.
    """

    # numpy hands `array * node` to Node.__rmul__ instead of looping over the array's elements.
    __array_ufunc__ = None

    def __init__(self, graph, node_id, op, inputs, attributes=None, value=None):
        self.graph = graph
        self.id = node_id
        self.op = op
        self.inputs = tuple(inputs)
        # The op's message (e.g. graph_pb2.Pow(exponent=...)); leaves build theirs from `value`.
        self.attributes = attributes
        self._value = value

    @property
    def value(self):
        if self.op not in ("input", "constant"):
            raise AttributeError(f"node '{self.id}' is a {self.op}, not a leaf: only leaves hold a value")
        return self._value

    @value.setter
    def value(self, value):
        if self.op not in ("input", "constant"):
            raise AttributeError(f"node '{self.id}' is a {self.op}, not a leaf: only leaves hold a value")
        self._value = as_array(value)

    def __repr__(self):
        if self.op in ("input", "constant"):
            return f"<{self.op} '{self.id}' shape={list(self._value.shape)}>"
        return f"<{self.op} '{self.id}' of {', '.join(repr(i) for i in self.inputs)}>"

    def to_proto(self, raw=False):
        node = graph_pb2.Node(id=self.id, inputs=self.inputs)
        if self.op in ("input", "constant"):
            getattr(node, self.op).value.CopyFrom(to_tensor(self._value, raw=raw))
        else:
            getattr(node, self.op).CopyFrom(self.attributes)
        return node

    def __add__(self, other):
        return self.graph.add(self, other)

    def __radd__(self, other):
        return self.graph.add(other, self)

    def __sub__(self, other):
        return self.graph.sub(self, other)

    def __rsub__(self, other):
        return self.graph.sub(other, self)

    def __mul__(self, other):
        return self.graph.mul(self, other)

    def __rmul__(self, other):
        return self.graph.mul(other, self)

    def __truediv__(self, other):
        return self.graph.div(self, other)

    def __rtruediv__(self, other):
        return self.graph.div(other, self)

    def __pow__(self, exponent):
        return self.graph.pow(self, exponent)

    def __rpow__(self, base):
        return self.graph.pow(self.graph.constant(base), self)

    def __matmul__(self, other):
        return self.graph.matmul(self, other)

    def __rmatmul__(self, other):
        return self.graph.matmul(other, self)

    def __neg__(self):
        return self.graph.neg(self)

    def __abs__(self):
        return self.graph.abs(self)

    @property
    def T(self):
        return self.graph.transpose(self)

    def transpose(self, perm=None, id=None):
        return self.graph.transpose(self, perm, id=id)

    def reshape(self, shape, id=None):
        return self.graph.reshape(self, shape, id=id)

    def sum(self, axes=None, keep_dims=False, id=None):
        return self.graph.sum(self, axes, keep_dims, id=id)

    def mean(self, axes=None, keep_dims=False, id=None):
        return self.graph.mean(self, axes, keep_dims, id=id)

    def softmax(self, axis=None, id=None):
        return self.graph.softmax(self, axis, id=id)

    def log_softmax(self, axis=None, id=None):
        return self.graph.log_softmax(self, axis, id=id)


def _unary_method(op):
    def method(self, id=None):
        return getattr(self.graph, op)(self, id=id)
    method.__name__ = op
    method.__doc__ = f"The {op} of this node; the same as Graph.{op}(node)."
    return method


for _op in _UNARY:
    if not hasattr(Node, _op):
        setattr(Node, _op, _unary_method(_op))
del _op


class Graph:
    """A computational graph under construction. Every op of graph.proto has a method here;
    each takes an optional `id` (by default one is made up from the op's name)."""

    def __init__(self):
        self._nodes = {}
        self._counter = 0

    @property
    def nodes(self):
        """The nodes in the order they were added."""
        return list(self._nodes.values())

    def __getitem__(self, node_id):
        try:
            return self._nodes[node_id]
        except KeyError:
            raise KeyError(f"the graph has no node '{node_id}'") from None

    def __contains__(self, node):
        return (node.id if isinstance(node, Node) else node) in self._nodes

    def __len__(self):
        return len(self._nodes)

    # Leaves.

    def input(self, id, value):
        """A variable leaf: its value may change from point to point and it gets a gradient."""
        return self._add(Node(self, self._claim(id, "input"), "input", (), value=as_array(value)))

    def constant(self, value, id=None):
        """A fixed leaf, which never gets a gradient."""
        return self._add(Node(self, self._claim(id, "constant"), "constant", (), value=as_array(value)))

    # Elementwise binary ops, broadcasting as numpy does.

    def add(self, a, b, id=None):
        return self._op("add", (a, b), graph_pb2.Add(), id)

    def sub(self, a, b, id=None):
        return self._op("sub", (a, b), graph_pb2.Sub(), id)

    def mul(self, a, b, id=None):
        return self._op("mul", (a, b), graph_pb2.Mul(), id)

    def div(self, a, b, id=None):
        return self._op("div", (a, b), graph_pb2.Div(), id)

    def pow(self, base, exponent, id=None):
        """base ** exponent: a Python number exponent is an attribute of the op (no gradient flows
        to it); a node or an array is a second operand."""
        if isinstance(exponent, numbers.Real) and not isinstance(exponent, Node):
            attributes = graph_pb2.Pow(exponent=wrappers_pb2.DoubleValue(value=float(exponent)))
            return self._op("pow", (base,), attributes, id)
        return self._op("pow", (base, exponent), graph_pb2.Pow(), id)

    def maximum(self, a, b, id=None):
        return self._op("maximum", (a, b), graph_pb2.Maximum(), id)

    def minimum(self, a, b, id=None):
        return self._op("minimum", (a, b), graph_pb2.Minimum(), id)

    # Elementwise unary ops.

    def neg(self, x, id=None):
        return self._op("neg", (x,), graph_pb2.Neg(), id)

    def exp(self, x, id=None):
        return self._op("exp", (x,), graph_pb2.Exp(), id)

    def log(self, x, id=None):
        return self._op("log", (x,), graph_pb2.Log(), id)

    def sqrt(self, x, id=None):
        return self._op("sqrt", (x,), graph_pb2.Sqrt(), id)

    def square(self, x, id=None):
        return self._op("square", (x,), graph_pb2.Square(), id)

    def abs(self, x, id=None):
        return self._op("abs", (x,), graph_pb2.Abs(), id)

    def sin(self, x, id=None):
        return self._op("sin", (x,), graph_pb2.Sin(), id)

    def cos(self, x, id=None):
        return self._op("cos", (x,), graph_pb2.Cos(), id)

    def tanh(self, x, id=None):
        return self._op("tanh", (x,), graph_pb2.Tanh(), id)

    def sigmoid(self, x, id=None):
        return self._op("sigmoid", (x,), graph_pb2.Sigmoid(), id)

    def relu(self, x, id=None):
        return self._op("relu", (x,), graph_pb2.Relu(), id)

    def sign(self, x, id=None):
        """-1, 0 or 1 by the sign of x; NaN stays NaN."""
        return self._op("sign", (x,), graph_pb2.Sign(), id)

    def identity(self, x, id=None):
        """x itself, as a node of its own."""
        return self._op("identity", (x,), graph_pb2.Identity(), id)

    # Linear algebra and movement.

    def matmul(self, a, b, id=None):
        """a @ b; a vector acts as a row on the left and a column on the right."""
        return self._op("matmul", (a, b), graph_pb2.MatMul(), id)

    def transpose(self, x, perm=None, id=None):
        """Permutes the axes; without perm, reverses them."""
        return self._op("transpose", (x,), graph_pb2.Transpose(perm=_ints(perm)), id)

    def broadcast_to(self, x, shape, id=None):
        """x repeated along new or size-1 axes to `shape`, as numpy.broadcast_to."""
        return self._op("broadcast_to", (x,), graph_pb2.BroadcastTo(shape=_ints(shape)), id)

    def reshape(self, x, shape, id=None):
        """The same data with a new shape; one dimension may be -1."""
        return self._op("reshape", (x,), graph_pb2.Reshape(shape=_ints(shape)), id)

    # Reductions.

    def sum(self, x, axes=None, keep_dims=False, id=None):
        """The sum over axes (an int or a sequence; all axes when None)."""
        return self._op("sum", (x,), graph_pb2.Sum(axes=_ints(axes), keep_dims=keep_dims), id)

    def mean(self, x, axes=None, keep_dims=False, id=None):
        """The mean over axes (an int or a sequence; all axes when None)."""
        return self._op("mean", (x,), graph_pb2.Mean(axes=_ints(axes), keep_dims=keep_dims), id)

    # Normalisation and losses.

    def softmax(self, x, axis=None, id=None):
        """softmax along axis; the last axis when None."""
        return self._op("softmax", (x,), graph_pb2.Softmax(axis=_axis(axis)), id)

    def log_softmax(self, x, axis=None, id=None):
        """log(softmax) along axis, computed stably; the last axis when None."""
        return self._op("log_softmax", (x,), graph_pb2.LogSoftmax(axis=_axis(axis)), id)

    def mse(self, prediction, target, reduction="mean", id=None):
        """The squared error, reduced by "mean" or "sum"."""
        return self._op("mse", (prediction, target), graph_pb2.Mse(reduction=_reduction(reduction)), id)

    def cross_entropy(self, logits, target, reduction="mean", id=None):
        """The cross entropy of logits [N, C] or [C] against class indices [N] or [] or
        probabilities shaped like the logits, reduced by "mean" or "sum"."""
        return self._op("cross_entropy", (logits, target),
                        graph_pb2.CrossEntropy(reduction=_reduction(reduction)), id)

    # Serialization.

    def to_proto(self, raw=False):
        """The graph as a graphgrpc.v1.Graph; with raw, leaf values travel as little-endian bytes."""
        return graph_pb2.Graph(nodes=[node.to_proto(raw=raw) for node in self._nodes.values()])

    def to_json(self):
        """The protobuf JSON mapping of the graph, as the repository's graph files are written."""
        return json_format.MessageToJson(self.to_proto(), preserving_proto_field_name=True, indent=2)

    @classmethod
    def from_proto(cls, proto):
        """A builder holding the nodes of a graphgrpc.v1.Graph, in its order; look nodes up with graph[id]."""
        graph = cls()
        for message in proto.nodes:
            op = message.WhichOneof("op")
            if op is None:
                raise ValueError(f"node '{message.id}' has no op")
            claimed = graph._claim(message.id, op)
            if op in ("input", "constant"):
                node = Node(graph, claimed, op, (), value=from_tensor(getattr(message, op).value))
            else:
                attributes = type(getattr(message, op))()
                attributes.CopyFrom(getattr(message, op))
                node = Node(graph, claimed, op, tuple(message.inputs), attributes=attributes)
            graph._add(node)
        return graph

    def _repr_svg_(self):
        """The graph as SVG, for notebooks; see graphgrpc.drawing."""
        from graphgrpc.drawing import draw
        return draw(self)._repr_svg_()

    @classmethod
    def from_json(cls, text):
        """A builder holding the nodes of a graph file's JSON."""
        return cls.from_proto(json_format.Parse(text, graph_pb2.Graph()))

    # Internals.

    def _op(self, op, operands, attributes, id):
        inputs = [self._operand(operand).id for operand in operands]
        return self._add(Node(self, self._claim(id, op), op, inputs, attributes=attributes))

    def _operand(self, operand):
        if isinstance(operand, Node):
            if operand.graph is not self:
                raise ValueError(f"node '{operand.id}' belongs to another graph")
            return operand
        return self.constant(operand)

    def _claim(self, node_id, op):
        if node_id is None:
            while True:
                self._counter += 1
                node_id = f"{op}_{self._counter}"
                if node_id not in self._nodes:
                    return node_id
        if not isinstance(node_id, str) or not node_id:
            raise ValueError(f"a node id must be a non-empty string, not {node_id!r}")
        if node_id in self._nodes:
            raise ValueError(f"the graph already has a node '{node_id}'")
        return node_id

    def _add(self, node):
        self._nodes[node.id] = node
        return node


def _ints(values):
    if values is None:
        return []
    if isinstance(values, numbers.Integral):
        return [int(values)]
    return [int(v) for v in values]


def _axis(axis):
    return None if axis is None else wrappers_pb2.Int32Value(value=int(axis))


def _reduction(reduction):
    try:
        return _REDUCTIONS[reduction]
    except KeyError:
        raise ValueError(f"reduction must be 'mean' or 'sum', not {reduction!r}") from None


def node_id(node):
    """The id of a Node, or the string itself."""
    if isinstance(node, Node):
        return node.id
    if isinstance(node, str):
        return node
    raise TypeError(f"expected a Node or a node id, not {type(node).__name__}")

