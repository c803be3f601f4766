"""Fixtures for the graphgrpc tests, which run against a real server: set GRAPHGRPC_ADDRESS to its host:port.

The tests import the package from this source tree, ahead of any installed copy.
"""
import os
import sys

import pytest

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPOSITORY_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(PACKAGE_ROOT)))
sys.path.insert(0, PACKAGE_ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from graphgrpc import Client  # noqa: E402  (needs the path above)


@pytest.fixture(scope="session")
def address():
    value = os.environ.get("GRAPHGRPC_ADDRESS")
    if not value:
        pytest.fail("set GRAPHGRPC_ADDRESS to the host:port of a running GraphGrpc server "
                    "(dotnet run --project src/GraphGrpc.Server listens on 127.0.0.1:50051)")
    return value


@pytest.fixture(scope="session")
def client(address):
    with Client(address, timeout=60) as c:
        yield c


def seed_file(name):
    """The text of a worked example in src/GraphGrpc.Cli/examples."""
    with open(os.path.join(REPOSITORY_ROOT, "src", "GraphGrpc.Cli", "examples", name)) as f:
        return f.read()
