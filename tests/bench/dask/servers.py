"""GraphGrpc servers for the benchmark, each in a process of its own on a free loopback port, and
the peak memory of a process."""
import re
import subprocess
import threading

_LISTENING = re.compile(r"Now listening on: http://(127\.0\.0\.1:\d+)")


class Servers:
    """`count` servers of the built GraphGrpc.Server.dll; a context manager that kills them at the end."""

    def __init__(self, dll, count, timeout=60):
        self.processes, self.addresses = [], []
        try:
            for _ in range(count):
                self.processes.append(subprocess.Popen(
                    ["dotnet", dll, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
                     "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information"],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
            for process in self.processes:
                self.addresses.append(_wait_listening(process, timeout))
        except BaseException:
            self.close()
            raise

    @property
    def pids(self):
        return [p.pid for p in self.processes]

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _wait_listening(process, timeout):
    found, lines = [], []

    def read():
        for line in process.stdout:
            lines.append(line.rstrip())
            match = _LISTENING.search(line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
        ready.set()

    ready = threading.Event()
    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout) or not found:
        raise RuntimeError("a server did not start listening:\n" + "\n".join(lines[-20:]))
    return found[0]


def peak_bytes(pid):
    """The process's peak resident set (VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")
