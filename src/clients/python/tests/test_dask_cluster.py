"""graphgrpc.dask on a dask.distributed LocalCluster of two worker processes, over three servers
on loopback, one of them killed in the middle of the job."""
import time

import dask.array as da
import numpy as np
import pytest
from distributed import Client as DaskClient, LocalCluster, futures_of, get_task_stream

from graphgrpc import Client, Graph
from graphgrpc.dask import evaluate_batch
from servers import Servers

POINTS, CHUNK = 240_000, 4_000
CHUNKS = POINTS // CHUNK


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as local:
        with DaskClient(local) as dask_client:
            yield dask_client


def test_a_server_killed_mid_job_loses_no_chunk_and_changes_no_bit(cluster):
    g = Graph()
    x, y = g.input("x", 0.0), g.input("y", 0.0)
    z = g.log(3 * x**2 + 5 * x * y, id="z")
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(0.5, 2.0, POINTS), rng.uniform(0.5, 2.0, POINTS)

    with Servers(3) as servers:
        addresses = servers.addresses
        killed = addresses[2]
        with Client(addresses[0], timeout=60) as single:
            reference = single.evaluate_batch(z, {x: xs, y: ys}, wrt=[x, y])

        lazy = evaluate_batch(z, {x: da.from_array(xs, chunks=CHUNK), y: da.from_array(ys, chunks=CHUNK)},
                              servers=addresses, wrt=[x, y])
        with get_task_stream(cluster) as stream:
            running = cluster.persist([lazy.outputs[z], lazy.gradients[x], lazy.gradients[y], lazy.served_by])
            served_futures = futures_of(running[3])
            while sum(f.done() for f in served_futures) < CHUNKS // 5:
                time.sleep(0.002)
            servers.processes[2].kill()
            done_at_kill = sum(f.done() for f in served_futures)
            outputs, grad_x, grad_y, served_by = cluster.compute(running, sync=True)

    assert done_at_kill < CHUNKS, "the job ended before the server was killed"
    # Every point's value and gradients are the single server's, bit for bit: none lost, none twice.
    assert outputs.tobytes() == reference.outputs[z].tobytes()
    assert grad_x.tobytes() == reference.gradients[x].tobytes()
    assert grad_y.tobytes() == reference.gradients[y].tobytes()
    # Each chunk's task ran once: retries happen inside it, on the next server.
    chunk_runs = [task["key"] for task in stream.data if "graphgrpc-chunk-" in str(task["key"])]
    assert len(chunk_runs) == CHUNKS and len(set(chunk_runs)) == CHUNKS
    # The killed server answered chunks before the kill; the chunks meant for it after the kill went elsewhere.
    assert len(served_by) == CHUNKS and set(served_by) <= set(addresses)
    first_choices = [addresses[i % 3] for i in range(CHUNKS)]
    assert killed in served_by
    moved = [i for i in range(CHUNKS) if first_choices[i] == killed and served_by[i] != killed]
    assert moved, "no chunk meant for the killed server was retried on another"
    assert all(served_by[i] == first_choices[i] for i in range(CHUNKS) if first_choices[i] != killed)
