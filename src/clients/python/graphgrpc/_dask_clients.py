"""One graphgrpc.Client per server address in each process, for the Dask tasks that run there.

A Dask worker runs many chunk tasks, on several threads; they share one channel per address rather
than each opening its own (a gRPC channel is thread-safe, and a new one costs a TCP and HTTP/2
handshake). A forked child starts with an empty cache: a gRPC channel does not survive fork.
"""
import os
import threading

from graphgrpc.client import Client

_lock = threading.Lock()
_clients = {}
_owner = os.getpid()


def client_for(address, client_options):
    """The cached Client of `address` with `client_options` (keyword arguments of Client), made on first use."""
    global _owner
    key = (address, repr(sorted(client_options.items())))
    with _lock:
        if _owner != os.getpid():
            _clients.clear()
            _owner = os.getpid()
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = Client(address, **client_options)
        return client


def close_clients():
    """Closes and forgets this process's cached clients (the next task opens new ones)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
