"""The checked-in stubs are exactly what protoc makes from the protos today."""
import importlib.util
import os

import pytest

from conftest import PACKAGE_ROOT
from graphgrpc import OPS, Graph
from graphgrpc.v1 import graph_pb2


def load_generator():
    path = os.path.join(PACKAGE_ROOT, "tools", "generate_stubs.py")
    spec = importlib.util.spec_from_file_location("generate_stubs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stub", sorted(load_generator().STUBS.values()))
def test_stub_matches_the_protos(tmp_path, stub):
    load_generator().generate(str(tmp_path))
    with open(tmp_path / stub, "rb") as fresh, open(os.path.join(PACKAGE_ROOT, stub), "rb") as checked_in:
        assert checked_in.read() == fresh.read(), (
            f"{stub} has drifted from the protos; regenerate: /usr/bin/python3 src/clients/python/tools/generate_stubs.py")


def test_the_builder_knows_every_op_of_the_proto():
    proto_ops = [field.name for field in graph_pb2.Node.DESCRIPTOR.oneofs_by_name["op"].fields]
    assert sorted(OPS) == sorted(proto_ops)
    assert all(callable(getattr(Graph, op, None)) for op in proto_ops)
