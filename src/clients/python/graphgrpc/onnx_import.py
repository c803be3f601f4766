"""from_onnx: an ONNX model as a Graph.

    g = from_onnx("model.onnx", inputs={"x": xs}, trainable=True)
    client.evaluate(g["y"], wrt=["x", "fc.weight"])

- Every node output keeps its ONNX name as its node id, so the graph's outputs keep theirs ("y").
- The graph's inputs become input leaves: zeros of their declared shape, or the arrays given in
  `inputs` (which also fix a dimension the model leaves symbolic).
- Initializers become constants, or input leaves (which get gradients) when `trainable` names them
  or is True. Initializers and Constants that give a Reshape its shape, a Reduce its axes or a Pow
  its scalar exponent are read as attributes, not leaves.
- Every value is float64: a Cast between floating types is the identity.

Each ONNX op maps onto the op set through one table, OPS. Any other op, or an attribute the mapping
cannot honour, fails with an UnsupportedError naming the node, its op type and what is supported.
"""
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

from graphgrpc.errors import UnsupportedError
from graphgrpc.graph import Graph


class _Unsupported(Exception):
    """An attribute or operand a supported op cannot take; the importer adds which node it was."""


def _require(condition, what):
    if not condition:
        raise _Unsupported(what)


# Converters: (builder, node id to make, the ONNX node, its attributes as a dict). Each takes the
# operands it uses with b.operand, so a Reshape's shape never becomes a leaf, and returns the Node
# that holds the node's output.

def _binary(op):
    def convert(b, out, node, attributes):
        return getattr(b.graph, op)(b.operand(node, 0), b.operand(node, 1), id=out)
    return convert


def _variadic(op):
    def convert(b, out, node, attributes):
        operands = [b.operand(node, i) for i in range(len(node.input))]
        _require(operands, "no inputs")
        result = operands[0]
        for i, operand in enumerate(operands[1:], start=1):
            result = getattr(b.graph, op)(result, operand, id=out if i == len(operands) - 1 else f"{out}.{i}")
        return result if len(operands) > 1 else b.graph.mul(result, 1.0, id=out)
    return convert


def _pow(b, out, node, attributes):
    exponent = b.known(node.input[1])
    if exponent is not None and exponent.ndim == 0:
        # A constant scalar exponent is an attribute, as torch's x ** 2 is: no gradient flows to it.
        return b.graph.pow(b.operand(node, 0), float(exponent), id=out)
    return b.graph.pow(b.operand(node, 0), b.operand(node, 1), id=out)


def _unary(op):
    def convert(b, out, node, attributes):
        return getattr(b.graph, op)(b.operand(node, 0), id=out)
    return convert


def _gemm(b, out, node, attributes):
    a, bmatrix, c = b.operand(node, 0), b.operand(node, 1), b.operand(node, 2)
    alpha, beta = attributes.get("alpha", 1.0), attributes.get("beta", 1.0)
    if attributes.get("transA", 0):
        a = b.graph.transpose(a, id=f"{out}.A_T")
    if attributes.get("transB", 0):
        bmatrix = b.graph.transpose(bmatrix, id=f"{out}.B_T")
    last = "product" if c is None and alpha == 1.0 else "scaled" if c is None else "bias"
    product = b.graph.matmul(a, bmatrix, id=out if last == "product" else f"{out}.matmul")
    if alpha != 1.0:
        product = b.graph.mul(product, alpha, id=out if last == "scaled" else f"{out}.alpha")
    if c is None:
        return product
    if beta != 1.0:
        c = b.graph.mul(c, beta, id=f"{out}.beta")
    return b.graph.add(product, c, id=out)


def _transpose(b, out, node, attributes):
    return b.graph.transpose(b.operand(node, 0), attributes.get("perm"), id=out)


def _reshape(b, out, node, attributes):
    shape = b.known(node.input[1])
    _require(shape is not None, f"a shape computed at run time ('{node.input[1]}'); it must be a constant or an "
                                "initializer")
    shape = [int(s) for s in shape]
    if not attributes.get("allowzero", 0) and 0 in shape:
        # ONNX: a 0 copies the input's dimension there.
        input_shape = b.shape(node.input[0])
        shape = [input_shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return b.graph.reshape(b.operand(node, 0), shape, id=out)


def _flatten(b, out, node, attributes):
    shape = b.shape(node.input[0])
    axis = attributes.get("axis", 1)
    axis = axis + len(shape) if axis < 0 else axis
    return b.graph.reshape(b.operand(node, 0), [int(np.prod(shape[:axis])), int(np.prod(shape[axis:]))], id=out)


def _reduce(op):
    def convert(b, out, node, attributes):
        axes = attributes.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = b.known(node.input[1])
            _require(axes is not None, f"axes computed at run time ('{node.input[1]}')")
        axes = [int(a) for a in axes] if axes is not None else []
        if not axes and attributes.get("noop_with_empty_axes", 0):
            return b.graph.mul(b.operand(node, 0), 1.0, id=out)
        return getattr(b.graph, op)(b.operand(node, 0), axes or None, bool(attributes.get("keepdims", 1)), id=out)
    return convert


def _softmax(op):
    def convert(b, out, node, attributes):
        rank = len(b.shape(node.input[0]))
        if b.opset < 13:
            # Before opset 13 softmax flattened the axes from `axis` on; that is ours only over the last axis.
            axis = attributes.get("axis", 1) % max(rank, 1)
            _require(axis == rank - 1, f"axis={attributes.get('axis', 1)} of a rank-{rank} input before opset 13 "
                                       "(only the last axis)")
        else:
            axis = attributes.get("axis", -1)
        return getattr(b.graph, op)(b.operand(node, 0), axis, id=out)
    return convert


def _identity(b, out, node, attributes):
    # A graph output needs a node of its own name; elsewhere the input itself serves.
    return b.graph.mul(b.operand(node, 0), 1.0, id=out) if out in b.outputs else b.operand(node, 0)


def _cast(b, out, node, attributes):
    to = attributes.get("to")
    _require(to in _FLOAT_TYPES, f"to={onnx.TensorProto.DataType.Name(to)} (only floating types)")
    return _identity(b, out, node, attributes)


def _constant(b, out, node, attributes):
    # The value is known from here on; it becomes a leaf only where an op takes it as an operand.
    b.define(out, _constant_value(attributes))


_FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16}

# Every supported ONNX op: its converter and the attributes it honours.
OPS = {
    "Add": (_binary("add"), ()),
    "Sub": (_binary("sub"), ()),
    "Mul": (_binary("mul"), ()),
    "Div": (_binary("div"), ()),
    "Pow": (_pow, ()),
    "Max": (_variadic("maximum"), ()),
    "Min": (_variadic("minimum"), ()),
    "Neg": (_unary("neg"), ()),
    "Exp": (_unary("exp"), ()),
    "Log": (_unary("log"), ()),
    "Sqrt": (_unary("sqrt"), ()),
    "Abs": (_unary("abs"), ()),
    "Sin": (_unary("sin"), ()),
    "Cos": (_unary("cos"), ()),
    "Tanh": (_unary("tanh"), ()),
    "Sigmoid": (_unary("sigmoid"), ()),
    "Relu": (_unary("relu"), ()),
    "MatMul": (_binary("matmul"), ()),
    "Gemm": (_gemm, ("alpha", "beta", "transA", "transB")),
    "Transpose": (_transpose, ("perm",)),
    "Reshape": (_reshape, ("allowzero",)),
    "Flatten": (_flatten, ("axis",)),
    "ReduceSum": (_reduce("sum"), ("axes", "keepdims", "noop_with_empty_axes")),
    "ReduceMean": (_reduce("mean"), ("axes", "keepdims", "noop_with_empty_axes")),
    "Softmax": (_softmax("softmax"), ("axis",)),
    "LogSoftmax": (_softmax("log_softmax"), ("axis",)),
    "Identity": (_identity, ()),
    "Cast": (_cast, ("to", "saturate")),
    "Constant": (_constant, ("value", "value_float", "value_floats", "value_int", "value_ints")),
}


def from_onnx(path_or_model, *, inputs=None, trainable=()):
    """The Graph of an ONNX model: a file path, the file's bytes or an onnx.ModelProto.

    inputs: {graph input name: array}, the leaves' values (zeros of the declared shape otherwise).
    trainable: initializer names to make input leaves, which get gradients, or True for every
    floating-point initializer; the others are constants.
    """
    return _Builder(_load(path_or_model), dict(inputs or {}), trainable).build()


def _load(path_or_model):
    if isinstance(path_or_model, onnx.ModelProto):
        return path_or_model
    if isinstance(path_or_model, (bytes, bytearray)):
        return onnx.load_from_string(bytes(path_or_model))
    if isinstance(path_or_model, (str, os.PathLike)):
        return onnx.load(os.fspath(path_or_model))
    raise TypeError(f"from_onnx takes a path, bytes or an onnx.ModelProto, not {type(path_or_model).__name__}")


class _Builder:
    """Walks an ONNX graph's nodes, which ONNX keeps in topological order, and adds their ops to a Graph."""

    def __init__(self, model, inputs, trainable):
        self.graph = Graph()
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
        self._model = model
        self._onnx = model.graph
        self._initializers = {t.name: t for t in self._onnx.initializer}
        unknown = set(inputs) - {i.name for i in self._onnx.input}
        if unknown:
            raise ValueError(f"from_onnx: inputs names {sorted(unknown)}, which the model does not take "
                             f"(it takes {[i.name for i in self._graph_inputs()]})")
        self._inputs = inputs
        if trainable is True:
            trainable = [name for name, t in self._initializers.items() if t.data_type in _FLOAT_TYPES]
        unknown = set(trainable) - set(self._initializers)
        if unknown:
            raise ValueError(f"from_onnx: trainable names {sorted(unknown)}, which are not initializers of the model")
        self._trainable = set(trainable)
        self.outputs = {o.name for o in self._onnx.output}
        self._results = {}
        self._known = {name: numpy_helper.to_array(t) for name, t in self._initializers.items()}
        self._shapes = {}

    def build(self):
        for value in self._graph_inputs():
            self._results[value.name] = self._input_leaf(value)
        self._infer_shapes()
        for index, node in enumerate(self._onnx.node):
            self._convert(index, node)
        missing = [o for o in self.outputs if o not in self.graph]
        if missing:
            raise UnsupportedError(f"from_onnx: the model's outputs {missing} are its inputs or initializers "
                                   "unchanged; there is nothing to evaluate")
        return self.graph

    def known(self, name):
        """The value of an initializer or a Constant's output, or None for a value computed at run time."""
        return self._known.get(name)

    def shape(self, name):
        """A value's shape, from the inputs given or ONNX shape inference."""
        shape = self._shapes.get(name)
        if shape is None or any(d is None for d in shape):
            raise _Unsupported(f"'{name}' without a known shape (give `inputs` to fix the model's symbolic dimensions)")
        return shape

    def operand(self, node, index):
        """The Node holding a node's index-th input, None when it is omitted. Initializers and
        Constants become leaves on first use."""
        name = node.input[index] if index < len(node.input) else ""
        if not name:
            return None
        if name in self._results:
            return self._results[name]
        if name in self._known:
            array = self._known[name].astype(np.float64)
            leaf = self.graph.input(name, array) if name in self._trainable else self.graph.constant(array, id=name)
            self._results[name] = leaf
            return leaf
        raise _Unsupported(f"the operand '{name}', which no earlier node, input or initializer gives")

    def define(self, name, value):
        """A value known before run time: a Constant's."""
        self._known[name] = value
        self._shapes[name] = value.shape

    def _graph_inputs(self):
        # Before IR version 4 an initializer was listed among the inputs too.
        return [i for i in self._onnx.input if i.name not in self._initializers]

    def _input_leaf(self, value):
        declared = [d.dim_value if d.HasField("dim_value") else None for d in value.type.tensor_type.shape.dim]
        if value.name in self._inputs:
            array = np.asarray(self._inputs[value.name], dtype=np.float64)
            if len(declared) != array.ndim or any(d is not None and d != s for d, s in zip(declared, array.shape)):
                raise ValueError(f"from_onnx: input '{value.name}' is declared "
                                 f"{['?' if d is None else d for d in declared]}, but the array given is "
                                 f"{list(array.shape)}")
        elif None in declared:
            raise ValueError(f"from_onnx: input '{value.name}' has symbolic dimensions "
                             f"{['?' if d is None else d for d in declared]}; give its value in `inputs`")
        else:
            array = np.zeros(declared)
        self._shapes[value.name] = tuple(array.shape)
        return self.graph.input(value.name, array)

    def _infer_shapes(self):
        model = onnx.ModelProto()
        model.CopyFrom(self._model)
        # Shape inference starts from the shapes of the values given, symbolic dimensions fixed.
        for value in model.graph.input:
            if value.name in self._shapes:
                dims = value.type.tensor_type.shape.dim
                for dim, size in zip(dims, self._shapes[value.name]):
                    dim.Clear()
                    dim.dim_value = size
        inferred = shape_inference.infer_shapes(model).graph
        for value in (*inferred.value_info, *inferred.output):
            if value.name not in self._shapes and value.type.tensor_type.HasField("shape"):
                self._shapes[value.name] = tuple(d.dim_value if d.HasField("dim_value") else None
                                                 for d in value.type.tensor_type.shape.dim)
        for name, array in self._known.items():
            self._shapes[name] = array.shape

    def _convert(self, index, node):
        where = f"node '{node.name}'" if node.name else f"node {index}"
        described = f"from_onnx: {where} ({node.op_type}, output '{node.output[0] if node.output else ''}')"
        if node.domain not in ("", "ai.onnx") or node.op_type not in OPS:
            domain = f"{node.domain}." if node.domain not in ("", "ai.onnx") else ""
            raise UnsupportedError(f"{described}: the op {domain}{node.op_type} is not supported. "
                                   f"Supported: {', '.join(OPS)}")
        converter, honoured = OPS[node.op_type]
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        extra = sorted(set(attributes) - set(honoured))
        if extra:
            raise UnsupportedError(f"{described}: the attribute(s) {', '.join(extra)} are not supported; "
                                   f"{node.op_type} takes {', '.join(honoured) or 'no attributes'}")
        out = node.output[0]
        try:
            result = converter(self, out, node, attributes)
        except _Unsupported as error:
            raise UnsupportedError(f"{described}: cannot take {error}") from None
        if result is not None:
            self._results[out] = result


def _constant_value(attributes):
    (name, value), = attributes.items()
    if name == "value":
        return numpy_helper.to_array(value)
    return np.asarray(value)
