"""GraphGrpc servers in processes of their own, for tests that need several or kill one.

They run the server as the test command builds it (`dotnet build GraphGrpc.sln -c Release`), or the
GraphGrpc.Server.dll that GRAPHGRPC_SERVER_DLL names, each on a free loopback port.
"""
import os
import re
import subprocess
import threading
import time

import pytest

from conftest import REPOSITORY_ROOT

RELEASE_BUILD = os.path.join(REPOSITORY_ROOT, "src", "GraphGrpc.Server", "bin", "Release", "net10.0",
                             "GraphGrpc.Server.dll")
_LISTENING = re.compile(r"Now listening on: http://(127\.0\.0\.1:\d+)")


def server_dll():
    path = os.environ.get("GRAPHGRPC_SERVER_DLL") or RELEASE_BUILD
    if not os.path.isfile(path):
        pytest.fail(f"no server build at {path}: run `dotnet build src/GraphGrpc.Server -c Release` "
                    "(the test command does), or set GRAPHGRPC_SERVER_DLL to a GraphGrpc.Server.dll")
    return path


class ServerProcess:
    """One server: `address` is its host:port once it listens; `lines` its last output lines."""

    def __init__(self, dll, settings=()):
        self.lines = []
        self._listening = threading.Event()
        self.address = None
        self.process = subprocess.Popen(
            ["dotnet", dll, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
             "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information", *settings],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=os.path.dirname(dll))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines = (self.lines + [line.rstrip()])[-100:]
            match = _LISTENING.search(line)
            if match and self.address is None:
                self.address = match.group(1)
                self._listening.set()

    def wait_listening(self, timeout):
        if not self._listening.wait(timeout):
            raise RuntimeError(f"the server did not start listening in {timeout} s:\n" + "\n".join(self.lines))

    def kill(self):
        """SIGKILL: the process and its sockets vanish at once, mid-call if a call is running."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


class Servers:
    """`count` servers started together; a context manager that kills them all at the end."""

    def __init__(self, count, settings=(), timeout=60):
        dll = server_dll()
        self.processes = [ServerProcess(dll, settings) for _ in range(count)]
        try:
            deadline = time.monotonic() + timeout
            for server in self.processes:
                server.wait_listening(max(1.0, deadline - time.monotonic()))
        except BaseException:
            self.close()
            raise

    @property
    def addresses(self):
        return [server.address for server in self.processes]

    def close(self):
        for server in self.processes:
            server.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
