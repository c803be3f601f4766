"""The generated modules the client speaks with, none of them from the project's own copies of standard protos.

- graphgrpc.v1: the Python client package's checked-in stubs (a test keeps them in step with protos/);
  google.rpc.Status: the package's graphgrpc._rpc.Status, declared by its wire layout.
- grpc.health.v1: generated here from the health.proto that Debian's grpc-proto package installs.
"""
import os
import shutil
import subprocess
import sys
from types import SimpleNamespace

import grpc

HEALTH_PROTO = "grpc/health/v1/health.proto"


def debian_package_file(package, suffix):
    """The path of the file ending in suffix that the Debian package installed, as dpkg lists it."""
    try:
        listing = subprocess.run(["dpkg", "-L", package], check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"Debian package {package} is not installed (tests/interop/apt-packages.txt lists it): "
                           f"{error.stderr.strip()}") from error
    for path in listing.splitlines():
        if path.endswith("/" + suffix):
            return path
    raise RuntimeError(f"Debian package {package} has no file {suffix}")


def generate_health(out_dir):
    """Generates grpc.health.v1 into out_dir and makes it importable beside grpcio's own grpc package."""
    health_proto = debian_package_file("grpc-proto", HEALTH_PROTO)
    include = health_proto[: -len(HEALTH_PROTO)]
    subprocess.run(["protoc", "-I", include, "--python_out", out_dir, "--grpc_python_out", out_dir,
                    "--plugin=protoc-gen-grpc_python=" + shutil.which("grpc_python_plugin"), HEALTH_PROTO], check=True)
    # Extend grpcio's package path instead of shadowing the package with a second "grpc".
    grpc.__path__.append(os.path.join(out_dir, "grpc"))


def load(repo_root, out_dir):
    """Returns a namespace of the stub modules: evaluator, evaluator_grpc, graph, status, health, health_grpc."""
    sys.path.insert(0, os.path.join(repo_root, "src/clients/python"))
    generate_health(out_dir)
    from graphgrpc import _rpc as status
    from graphgrpc.v1 import evaluator_pb2, evaluator_pb2_grpc, graph_pb2
    from grpc.health.v1 import health_pb2, health_pb2_grpc

    return SimpleNamespace(evaluator=evaluator_pb2, evaluator_grpc=evaluator_pb2_grpc, graph=graph_pb2,
                           status=status, health=health_pb2, health_grpc=health_pb2_grpc)
