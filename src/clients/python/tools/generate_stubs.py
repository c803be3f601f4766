#!/usr/bin/python3
"""Regenerates the checked-in stubs of package graphgrpc from the repository's protos.

Run it after changing a proto: /usr/bin/python3 src/clients/python/tools/generate_stubs.py
The stub-drift test calls generate() into a temporary directory and compares.
"""
import os
import shutil
import subprocess
import sys
import tempfile

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTOS_ROOT = os.path.join(PACKAGE_ROOT, "..", "..", "..", "protos")

# Each generated file, as protoc names it, and where it lives in the package. graphgrpc/v1 keeps
# its name, so the stubs' own imports (from graphgrpc.v1 import graph_pb2) resolve inside the package.
# google.rpc.Status is not generated: graphgrpc/_rpc declares it by its wire layout.
STUBS = {
    "graphgrpc/v1/graph_pb2.py": "graphgrpc/v1/graph_pb2.py",
    "graphgrpc/v1/evaluator_pb2.py": "graphgrpc/v1/evaluator_pb2.py",
    "graphgrpc/v1/evaluator_pb2_grpc.py": "graphgrpc/v1/evaluator_pb2_grpc.py",
}
PROTOS = ["graphgrpc/v1/graph.proto", "graphgrpc/v1/evaluator.proto"]


def generate(out_root):
    """Writes every stub into out_root at its package path."""
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(["protoc", "-I", PROTOS_ROOT, "--python_out", scratch, "--grpc_python_out", scratch,
                        "--plugin=protoc-gen-grpc_python=" + shutil.which("grpc_python_plugin")] + PROTOS,
                       check=True)
        for generated, target in STUBS.items():
            os.makedirs(os.path.dirname(os.path.join(out_root, target)), exist_ok=True)
            shutil.copyfile(os.path.join(scratch, generated), os.path.join(out_root, target))


if __name__ == "__main__":
    generate(PACKAGE_ROOT)
    print("regenerated " + ", ".join(STUBS.values()), file=sys.stderr)
