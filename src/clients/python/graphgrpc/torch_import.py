"""from_torch: a PyTorch function or module, traced with torch.fx, as a Graph.

    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    g = from_torch(model, torch.zeros(3))
    g["input"], g["0.weight"], g["output"]

- The function's arguments become input leaves named after them, holding the example values.
- Module parameters become input leaves named by their qualified names ("0.weight"), so they get
  gradients; buffers and other tensors the code holds become constants.
- The returned tensor is the node "output" (a tuple gives "output_0", "output_1", ...). The other
  nodes take fx's names ("tanh", "sum_1"); the helpers of a call that takes several ops are named
  "<name>.<part>".

Each call fx records maps onto the op set through one table, CALLS. Any other call fails with an
UnsupportedError that names it, the source line fx recorded, and the supported calls (SUPPORTED).
"""
import inspect
import linecache
import operator
import os
import re

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp

from graphgrpc.errors import UnsupportedError
from graphgrpc.graph import Graph, Node


class _Unsupported(Exception):
    """A supported call given an argument it cannot take; the importer adds where it happened."""


def _require(condition, what):
    if not condition:
        raise _Unsupported(what)


# Converters: (builder, name of the node to make, *the call's arguments). Operands are Nodes or numbers.

def _binary(op):
    def convert(b, name, input, other):
        return getattr(b.graph, op)(input, other, id=name)
    return convert


def _with_alpha(op):
    def convert(b, name, input, other, *, alpha=1):
        _require(alpha == 1, f"alpha={alpha!r} (only 1)")
        return getattr(b.graph, op)(input, other, id=name)
    return convert


def _div(b, name, input, other, *, rounding_mode=None):
    _require(rounding_mode is None, f"rounding_mode={rounding_mode!r}")
    return b.graph.div(input, other, id=name)


def _pow(b, name, input, exponent):
    return b.graph.pow(input, exponent, id=name)


def _unary(op):
    def convert(b, name, input):
        return getattr(b.graph, op)(input, id=name)
    return convert


def _relu(b, name, input, inplace=False):
    # In place, torch changes the input for its other users too; a graph cannot say that.
    _require(not inplace, "inplace=True")
    return b.graph.relu(input, id=name)


def _reduction(op):
    def convert(b, name, input, dim=None, keepdim=False, *, dtype=None):
        _require(dtype is None, f"dtype={dtype!r}")
        return getattr(b.graph, op)(input, dim, keepdim, id=name)
    return convert


def _softmax(op):
    def convert(b, name, input, dim=None, _stacklevel=3, dtype=None):
        _require(dim is not None, "no dim (torch's implicit choice of dim is deprecated; give dim)")
        _require(dtype is None, f"dtype={dtype!r}")
        return getattr(b.graph, op)(input, dim, id=name)
    return convert


def _loss_reduction(size_average, reduce, reduction):
    _require(size_average is None and reduce is None, "size_average or reduce (deprecated; use reduction)")
    _require(reduction in ("mean", "sum"), f"reduction={reduction!r} (only 'mean' and 'sum')")
    return reduction


def _mse_loss(b, name, input, target, size_average=None, reduce=None, reduction="mean"):
    return b.graph.mse(input, target, _loss_reduction(size_average, reduce, reduction), id=name)


def _cross_entropy(b, name, input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                   reduction="mean", label_smoothing=0.0):
    _require(weight is None, "weight")
    _require(ignore_index == -100, f"ignore_index={ignore_index!r}")
    _require(label_smoothing == 0.0, f"label_smoothing={label_smoothing!r}")
    return b.graph.cross_entropy(input, target, _loss_reduction(size_average, reduce, reduction), id=name)


def _linear(b, name, input, weight, bias=None):
    product = b.graph.matmul(input, b.graph.transpose(weight, id=f"{name}.weight_T"),
                             id=name if bias is None else f"{name}.matmul")
    return product if bias is None else b.graph.add(product, bias, id=name)


def _transpose(b, name, input, dim0, dim1):
    perm = list(range(len(b.shape(input))))
    perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
    return b.graph.transpose(input, perm, id=name)


def _t(b, name, input):
    # torch.t leaves a vector or a scalar as it is.
    return b.graph.transpose(input, id=name) if len(b.shape(input)) == 2 else input


def _permute(b, name, input, *dims):
    return b.graph.transpose(input, _sizes(dims), id=name)


def _torch_permute(b, name, input, dims):
    return b.graph.transpose(input, list(dims), id=name)


def _reshape(b, name, input, *shape):
    return b.graph.reshape(input, _sizes(shape), id=name)


def _torch_reshape(b, name, input, shape):
    return b.graph.reshape(input, list(shape), id=name)


def _flatten(b, name, input, start_dim=0, end_dim=-1):
    shape = b.shape(input)
    if not shape:
        return b.graph.reshape(input, [1], id=name)
    start, end = start_dim % len(shape), end_dim % len(shape)
    middle = 1
    for size in shape[start:end + 1]:
        middle *= size
    return b.graph.reshape(input, [*shape[:start], middle, *shape[end + 1:]], id=name)


def _getattr(b, name, input, attribute):
    _require(attribute == "T", f"the attribute {attribute!r} (only .T)")
    return b.graph.transpose(input, id=name)


# Modules: (builder, name, qualified name of the module, the module, *the call's arguments).

def _linear_module(b, name, path, module, input):
    bias = b.tensor(f"{path}.bias") if module.bias is not None else None
    return _linear(b, name, input, b.tensor(f"{path}.weight"), bias)


def _activation_module(op):
    def convert(b, name, path, module, input):
        _require(not getattr(module, "inplace", False), "inplace=True")
        return getattr(b.graph, op)(input, id=name)
    return convert


def _softmax_module(op):
    def convert(b, name, path, module, input):
        return _softmax(op)(b, name, input, module.dim)
    return convert


def _mse_module(b, name, path, module, input, target):
    return _mse_loss(b, name, input, target, reduction=module.reduction)


def _cross_entropy_module(b, name, path, module, input, target):
    return _cross_entropy(b, name, input, target, module.weight, ignore_index=module.ignore_index,
                          reduction=module.reduction, label_smoothing=module.label_smoothing)


def _flatten_module(b, name, path, module, input):
    return _flatten(b, name, input, module.start_dim, module.end_dim)


def _identity_module(b, name, path, module, input):
    return input


# Every supported call: (what a user calls, fx's kind of call, fx's target, converter).
CALLS = (
    ("a + b", "call_function", operator.add, _binary("add")),
    ("a - b", "call_function", operator.sub, _binary("sub")),
    ("a * b", "call_function", operator.mul, _binary("mul")),
    ("a / b", "call_function", operator.truediv, _binary("div")),
    ("a ** b", "call_function", operator.pow, _pow),
    ("a @ b", "call_function", operator.matmul, _binary("matmul")),
    ("-a", "call_function", operator.neg, _unary("neg")),
    ("a.T", "call_function", getattr, _getattr),
    ("torch.add", "call_function", torch.add, _with_alpha("add")),
    ("torch.sub", "call_function", torch.sub, _with_alpha("sub")),
    ("torch.mul", "call_function", torch.mul, _binary("mul")),
    ("torch.div", "call_function", torch.div, _div),
    ("torch.pow", "call_function", torch.pow, _pow),
    ("torch.maximum", "call_function", torch.maximum, _binary("maximum")),
    ("torch.minimum", "call_function", torch.minimum, _binary("minimum")),
    ("torch.matmul", "call_function", torch.matmul, _binary("matmul")),
    ("torch.mm", "call_function", torch.mm, _binary("matmul")),
    ("torch.neg", "call_function", torch.neg, _unary("neg")),
    ("torch.exp", "call_function", torch.exp, _unary("exp")),
    ("torch.log", "call_function", torch.log, _unary("log")),
    ("torch.sqrt", "call_function", torch.sqrt, _unary("sqrt")),
    ("torch.square", "call_function", torch.square, _unary("square")),
    ("torch.abs", "call_function", torch.abs, _unary("abs")),
    ("torch.sin", "call_function", torch.sin, _unary("sin")),
    ("torch.cos", "call_function", torch.cos, _unary("cos")),
    ("torch.tanh", "call_function", torch.tanh, _unary("tanh")),
    ("torch.sigmoid", "call_function", torch.sigmoid, _unary("sigmoid")),
    ("torch.relu", "call_function", torch.relu, _unary("relu")),
    ("torch.sum", "call_function", torch.sum, _reduction("sum")),
    ("torch.mean", "call_function", torch.mean, _reduction("mean")),
    ("torch.softmax", "call_function", torch.softmax, _softmax("softmax")),
    ("torch.log_softmax", "call_function", torch.log_softmax, _softmax("log_softmax")),
    ("torch.transpose", "call_function", torch.transpose, _transpose),
    ("torch.t", "call_function", torch.t, _t),
    ("torch.permute", "call_function", torch.permute, _torch_permute),
    ("torch.reshape", "call_function", torch.reshape, _torch_reshape),
    ("torch.flatten", "call_function", torch.flatten, _flatten),
    ("F.relu", "call_function", F.relu, _relu),
    ("F.linear", "call_function", F.linear, _linear),
    ("F.softmax", "call_function", F.softmax, _softmax("softmax")),
    ("F.log_softmax", "call_function", F.log_softmax, _softmax("log_softmax")),
    ("F.mse_loss", "call_function", F.mse_loss, _mse_loss),
    ("F.cross_entropy", "call_function", F.cross_entropy, _cross_entropy),
    ("Tensor.add", "call_method", "add", _with_alpha("add")),
    ("Tensor.sub", "call_method", "sub", _with_alpha("sub")),
    ("Tensor.mul", "call_method", "mul", _binary("mul")),
    ("Tensor.div", "call_method", "div", _div),
    ("Tensor.pow", "call_method", "pow", _pow),
    ("Tensor.matmul", "call_method", "matmul", _binary("matmul")),
    ("Tensor.neg", "call_method", "neg", _unary("neg")),
    ("Tensor.exp", "call_method", "exp", _unary("exp")),
    ("Tensor.log", "call_method", "log", _unary("log")),
    ("Tensor.sqrt", "call_method", "sqrt", _unary("sqrt")),
    ("Tensor.square", "call_method", "square", _unary("square")),
    ("Tensor.abs", "call_method", "abs", _unary("abs")),
    ("Tensor.sin", "call_method", "sin", _unary("sin")),
    ("Tensor.cos", "call_method", "cos", _unary("cos")),
    ("Tensor.tanh", "call_method", "tanh", _unary("tanh")),
    ("Tensor.sigmoid", "call_method", "sigmoid", _unary("sigmoid")),
    ("Tensor.relu", "call_method", "relu", _unary("relu")),
    ("Tensor.sum", "call_method", "sum", _reduction("sum")),
    ("Tensor.mean", "call_method", "mean", _reduction("mean")),
    ("Tensor.softmax", "call_method", "softmax", _softmax("softmax")),
    ("Tensor.log_softmax", "call_method", "log_softmax", _softmax("log_softmax")),
    ("Tensor.transpose", "call_method", "transpose", _transpose),
    ("Tensor.t", "call_method", "t", _t),
    ("Tensor.permute", "call_method", "permute", _permute),
    ("Tensor.reshape", "call_method", "reshape", _reshape),
    ("Tensor.view", "call_method", "view", _reshape),
    ("Tensor.flatten", "call_method", "flatten", _flatten),
    ("nn.Linear", "call_module", nn.Linear, _linear_module),
    ("nn.Tanh", "call_module", nn.Tanh, _activation_module("tanh")),
    ("nn.ReLU", "call_module", nn.ReLU, _activation_module("relu")),
    ("nn.Sigmoid", "call_module", nn.Sigmoid, _activation_module("sigmoid")),
    ("nn.Softmax", "call_module", nn.Softmax, _softmax_module("softmax")),
    ("nn.LogSoftmax", "call_module", nn.LogSoftmax, _softmax_module("log_softmax")),
    ("nn.Flatten", "call_module", nn.Flatten, _flatten_module),
    ("nn.Identity", "call_module", nn.Identity, _identity_module),
    ("nn.MSELoss", "call_module", nn.MSELoss, _mse_module),
    ("nn.CrossEntropyLoss", "call_module", nn.CrossEntropyLoss, _cross_entropy_module),
)

SUPPORTED = tuple(display for display, _, _, _ in CALLS)

_TABLE = {(kind, target): (display, converter) for display, kind, target, converter in CALLS}

# Frames in these are torch's or the tracer's own, not the user's code.
_LIBRARY_DIRECTORIES = (os.path.dirname(torch.__file__) + os.sep, os.path.dirname(__file__) + os.sep)


def from_torch(fn_or_module, *example_inputs):
    """The Graph of a torch function or nn.Module, traced with torch.fx at the example inputs,
    which become the values of its input leaves. See the module's documentation for the names."""
    tracer = torch.fx.Tracer()
    tracer.record_stack_traces = True
    traced = tracer.trace(fn_or_module)
    module = torch.fx.GraphModule(tracer.root, traced)
    fx_graph = module.graph
    fx_graph.eliminate_dead_code()
    examples = [example if isinstance(example, torch.Tensor) else torch.tensor(example, dtype=torch.float64)
                for example in example_inputs]
    placeholders = [node for node in fx_graph.nodes if node.op == "placeholder"]
    if len(placeholders) != len(examples):
        raise ValueError(f"from_torch: the function takes {len(placeholders)} argument(s) "
                         f"({', '.join(n.target for n in placeholders)}), but {len(examples)} example(s) were given")
    ShapeProp(module).propagate(*examples)
    return _Builder(module, dict(zip(placeholders, examples))).build(fx_graph)


class _Builder:
    """Walks an fx graph in its (topological) order and adds each node's ops to a Graph."""

    def __init__(self, module, examples):
        self.graph = Graph()
        self._module = module
        self._examples = examples
        self._results = {}
        self._shapes = {}

    def build(self, fx_graph):
        output = next(node for node in fx_graph.nodes if node.op == "output")
        names = _output_names(output.args[0])
        for node in fx_graph.nodes:
            if node.op == "output":
                continue
            result = self._convert(node, names.get(node, node.name))
            self._results[node] = result
            if isinstance(result, Node) and result.id not in self._shapes:
                self._shapes[result.id] = tuple(node.meta["tensor_meta"].shape)
        return self.graph

    def shape(self, node):
        """A node's shape, as torch found it at the example inputs."""
        return self._shapes[node.id]

    def tensor(self, path):
        """The leaf of a tensor the module holds: an input for a parameter that requires grad, else a constant."""
        if path in self.graph:
            return self.graph[path]
        value = _attribute(self._module, path)
        array = value.detach().to(device="cpu", dtype=torch.float64).numpy()
        if isinstance(value, nn.Parameter) and value.requires_grad:
            leaf = self.graph.input(path, array)
        else:
            leaf = self.graph.constant(array, id=path)
        self._shapes[leaf.id] = tuple(array.shape)
        return leaf

    def _convert(self, node, name):
        if node.op == "placeholder":
            value = self._examples[node].detach().to(device="cpu", dtype=torch.float64).numpy()
            leaf = self.graph.input(node.target, value)
            self._shapes[leaf.id] = tuple(value.shape)
            return leaf
        if node.op == "get_attr":
            return self.tensor(node.target)
        args = torch.fx.node.map_arg(node.args, self._results.__getitem__)
        kwargs = torch.fx.node.map_arg(node.kwargs, self._results.__getitem__)
        if node.op == "call_module":
            target = _attribute(self._module, node.target)
            display, converter = _TABLE.get(("call_module", type(target)), (None, None))
            args = (node.target, target, *args)
        else:
            target = node.target
            display, converter = _TABLE.get((node.op, target), (None, None))
        if converter is None:
            raise UnsupportedError(f"from_torch: {_describe(node, target)} {_where(node)}is not supported. "
                                   f"Supported: {', '.join(SUPPORTED)}")
        try:
            inspect.signature(converter).bind(self, name, *args, **kwargs)
        except TypeError as error:
            raise UnsupportedError(f"from_torch: {display} {_where(node)}was called with arguments it cannot take "
                                   f"here: {error}") from None
        try:
            return converter(self, name, *args, **kwargs)
        except _Unsupported as error:
            raise UnsupportedError(f"from_torch: {display} {_where(node)}cannot take {error}") from None


def _output_names(result):
    if isinstance(result, torch.fx.Node):
        return {result: "output"}
    if isinstance(result, (tuple, list)) and all(isinstance(r, torch.fx.Node) for r in result):
        names = {}
        for i, node in enumerate(result):
            names.setdefault(node, f"output_{i}")
        return names
    raise UnsupportedError(f"from_torch: the function must return a tensor or a tuple of tensors, not {result!r}")


def _attribute(module, path):
    value = module
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _sizes(dims):
    """The sizes of x.view(2, 3) or x.view((2, 3)) alike."""
    return list(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list, torch.Size)) else list(dims)


def _describe(node, target):
    if node.op == "call_module":
        kind = type(target)
        qualified = f"nn.{kind.__name__}" if kind.__module__.startswith("torch.nn") else f"{kind.__module__}.{kind.__qualname__}"
        return f"the module '{node.target}' ({qualified})"
    if node.op == "call_method":
        return f"the call 'Tensor.{target}'"
    module = {"_operator": "operator", "torch.nn.functional": "F"}.get(getattr(target, "__module__", None),
                                                                      getattr(target, "__module__", None) or "?")
    return f"the call '{module}.{getattr(target, '__name__', target)}'"


_FRAME = re.compile(r'File "([^"]+)", line (\d+), in [^\n]*\n(?:    ([^\n]*)\n)?')


def _where(node):
    """'at file:line (`code`) ' for the innermost frame fx recorded outside torch and graphgrpc, or ''."""
    for path, line, code in _FRAME.findall(node.stack_trace or ""):
        if not path.startswith(_LIBRARY_DIRECTORIES):
            code = (code or linecache.getline(path, int(line))).strip()
            return f"at {path}:{line} (`{code}`) " if code else f"at {path}:{line} "
    return ""
