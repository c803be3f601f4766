"""The package's command line: `python3 -m graphgrpc import model.onnx -o graph.json`.

`import` converts an ONNX model with from_onnx and writes the graph file (protobuf JSON, as the
repository's examples and `graphgrpc eval` read). An unsupported model prints the reason and
exits with 1.
"""
import argparse
import sys

import numpy as np

from graphgrpc.errors import UnsupportedError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m graphgrpc", description="GraphGrpc's Python tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser("import", help="convert an ONNX model into a graph file")
    convert.add_argument("model", help="the .onnx file")
    convert.add_argument("-o", "--output", required=True, help="the graph file to write (JSON)")
    convert.add_argument("--trainable", nargs="+", default=[], metavar="NAME",
                         help="initializers to make input leaves, which get gradients; 'all' for every one")
    convert.add_argument("--shape", action="append", default=[], metavar="INPUT=D1,D2,...",
                         help="the shape of an input whose dimensions the model leaves symbolic (its value is zeros)")
    args = parser.parse_args(argv)

    from graphgrpc.onnx_import import from_onnx
    trainable = True if args.trainable == ["all"] else args.trainable
    try:
        graph = from_onnx(args.model, inputs=_inputs(parser, args.shape), trainable=trainable)
    except (UnsupportedError, ValueError, OSError) as error:
        print(f"graphgrpc import: {error}", file=sys.stderr)
        return 1
    with open(args.output, "w") as f:
        f.write(graph.to_json() + "\n")
    print(f"wrote {args.output}: {len(graph)} nodes")
    return 0


def _inputs(parser, shapes):
    inputs = {}
    for text in shapes:
        name, separator, dims = text.partition("=")
        if not separator:
            parser.error(f"--shape takes INPUT=D1,D2,..., not {text!r}")
        try:
            inputs[name] = np.zeros([int(d) for d in dims.split(",")] if dims else [])
        except ValueError:
            parser.error(f"--shape takes INPUT=D1,D2,... with whole numbers, not {text!r}")
    return inputs


if __name__ == "__main__":
    sys.exit(main())
