"""Pictures of graphs: Graphviz dot text, and SVG through graphviz's `dot` program.

    draw(g)                   # in a notebook, shows the graph
    draw(z, result)           # with each node's value and gradient from an EvaluationResult
    draw(z, result).save("z.svg")

A Graph draws itself in a notebook too (Graph._repr_svg_). Leaves are rounded boxes (inputs blue,
constants grey), operations boxes, the outputs green. A tensor shows its shape and its first few
values, so that a label stays narrow whatever the tensor's size.
"""
import os
import shutil
import subprocess
import warnings

import numpy as np

from graphgrpc.graph import Graph, Node

# Enough to recognise a tensor, few enough that a label stays narrow.
_SHOWN_VALUES = 3
_SIGNIFICANT_DIGITS = 4

_STYLES = {
    # Rounded boxes rather than ellipses for leaves: an ellipse around three lines is twice as wide.
    "input": 'shape=box, style="rounded,filled", fillcolor="#e3f2fd"',
    "constant": 'shape=box, style="rounded,filled", fillcolor="#f5f5f5"',
    "output": 'shape=box, fillcolor="#c8e6c9"',
    "operation": 'shape=box, fillcolor="#fff3e0"',
}

INSTALL_HINT = "graphviz's `dot` is not on the PATH; install graphviz (Debian: apt-get install graphviz) to draw graphs"


class Drawing:
    """A graph's picture: `dot` is its Graphviz text; `svg()` and `save(path)` run graphviz's `dot`.
    In a notebook it shows as SVG, or warns how to get graphviz when `dot` is missing."""

    def __init__(self, dot):
        self.dot = dot

    def svg(self):
        """The SVG text; raises RuntimeError, saying how to install graphviz, when `dot` is missing."""
        return _run_dot(self.dot, "svg").decode("utf-8")

    def save(self, path):
        """Writes the picture in the format its name ends with: .svg, .png, .pdf or .dot."""
        extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
        if extension == "dot":
            content = self.dot.encode("utf-8")
        elif extension in ("svg", "png", "pdf"):
            content = _run_dot(self.dot, extension)
        else:
            raise ValueError(f"cannot tell the format of {os.fspath(path)!r}: name it .svg, .png, .pdf or .dot")
        with open(path, "wb") as f:
            f.write(content)

    def _repr_svg_(self):
        if shutil.which("dot") is None:
            warnings.warn(INSTALL_HINT, stacklevel=2)
            return None
        return self.svg()


def draw(target, result=None, *, outputs=None):
    """The Drawing of a Graph, or of the graph of a Node (which is then drawn as the output).

    result: an EvaluationResult of the graph; each node then shows its value and gradient.
    outputs: the nodes (or ids) to draw as outputs; by default the Node given, else the sinks.
    """
    if isinstance(target, Node):
        graph, outputs = target.graph, [target] if outputs is None else outputs
    elif isinstance(target, Graph):
        graph = target
    else:
        raise TypeError(f"draw takes a Graph or a Node, not {type(target).__name__}")
    if outputs is None:
        used = {i for node in graph.nodes for i in node.inputs}
        output_ids = {node.id for node in graph.nodes if node.id not in used}
    else:
        output_ids = {o.id if isinstance(o, Node) else o for o in outputs}
    return Drawing(_dot(graph, result, output_ids))


def _dot(graph, result, output_ids):
    slots = {node.id: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["digraph graphgrpc {", '  node [style=filled, fontname="DejaVu Sans", fontsize=10, margin="0.12,0.06"];',
             "  edge [color=\"#607d8b\"];"]
    for node in graph.nodes:
        kind = node.op if node.op in ("input", "constant") else "output" if node.id in output_ids else "operation"
        label = _label(node, result)
        lines.append(f"  {slots[node.id]} [label={_quote(label)}, {_STYLES[kind]}];")
    for node in graph.nodes:
        for operand in node.inputs:
            lines.append(f"  {slots[operand]} -> {slots[node.id]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _label(node, result):
    leaf = node.op in ("input", "constant")
    lines = [node.id if leaf else f"{node.id}: {node.op}"]
    if result is None:
        if leaf:
            lines.append(_format(node.value))
        return "\n".join(lines)
    if node.id in result.values:
        lines.append(f"= {_format(result.values[node.id])}")
    elif leaf:
        lines.append(f"= {_format(node.value)}")
    if node.id in result.gradients:
        lines.append(f"∂ {_format(result.gradients[node.id])}")
    return "\n".join(lines)


def _format(array):
    """A number, or a tensor's shape and first values: "[2, 3] 0.1, -0.2, 0.3, …"."""
    array = np.asarray(array)
    if array.ndim == 0:
        return _number(array.item())
    head = ", ".join(_number(x) for x in array.ravel()[:_SHOWN_VALUES])
    more = ", …" if array.size > _SHOWN_VALUES else ""
    return f"{list(array.shape)} {head}{more}"


def _number(x):
    return f"{x:.{_SIGNIFICANT_DIGITS}g}"


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _run_dot(dot, output_format):
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError(INSTALL_HINT)
    run = subprocess.run([program, f"-T{output_format}"], input=dot.encode("utf-8"), capture_output=True, timeout=60)
    if run.returncode != 0:
        raise RuntimeError(f"graphviz's dot failed (exit {run.returncode}): {run.stderr.decode(errors='replace')}")
    return run.stdout
