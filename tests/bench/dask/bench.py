#!/usr/bin/python3
"""G1 over points in files on disk: graphgrpc.dask on a LocalCluster over two servers, against one
EvaluateBatch stream to one server, with the peak memory of every process (not a test).

Seed 002's z = log(3x² + 5xy) with dz/dx and dz/dy at every point. x and y are raw float64 files
read a block at a time through memory maps; z and both gradients are written to files the same
way, so no process holds a column. Each run starts its own servers (and cluster), so each peak is
that run's. The two runs' output files are compared bit for bit.

    /usr/bin/python3 tests/bench/dask/bench.py --server-dll PATH/GraphGrpc.Server.dll [--points 100000000]

tests/bench/dask/run.sh builds the server and runs this. See tests/bench/dask/README.md.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(REPOSITORY_ROOT, "src", "clients", "python"))
sys.path.insert(0, HERE)

import columns  # noqa: E402  (needs the path above)
from graphgrpc import Client, Graph  # noqa: E402
from servers import Servers, peak_bytes  # noqa: E402

# Points per message of the one stream: the client's own default, 1 MiB of x and y.
STREAM_CHUNK = 1 << 16
OUTPUTS = ("z", "dz_dx", "dz_dy")


def g1():
    g = Graph()
    x, y = g.input("x", 0.0), g.input("y", 0.0)
    return x, y, g.log(3 * x**2 + 5 * x * y, id="z")


def output_paths(folder, run):
    return {name: os.path.join(folder, f"{run}-{name}.f64") for name in OUTPUTS}


def run_single_stream(args):
    """Every point over one EvaluateBatch stream (Client.stream_batch), read and written a message at a time."""
    x, y, z = g1()
    source_x, source_y = columns.RawColumn(args.x, args.points), columns.RawColumn(args.y, args.points)
    paths = output_paths(args.folder, "single")
    for path in paths.values():
        columns.create(path, args.points)

    def chunks():
        for start in range(0, args.points, STREAM_CHUNK):
            stop = min(start + STREAM_CHUNK, args.points)
            yield {x: source_x[start:stop], y: source_y[start:stop]}

    with Servers(args.server_dll, 1) as servers, Client(servers.addresses[0], timeout=3600) as client:
        client.evaluate_batch(z, {x: np.ones(1000), y: np.ones(1000)}, wrt=[x, y])  # warm: plan cached, JIT done
        began = time.perf_counter()
        for result in client.stream_batch(z, chunks(), wrt=[x, y], read_only=True):
            start = result.sequence * STREAM_CHUNK
            columns.write_at(paths["z"], start, result.outputs[z])
            columns.write_at(paths["dz_dx"], start, result.gradients[x])
            columns.write_at(paths["dz_dy"], start, result.gradients[y])
        seconds = time.perf_counter() - began
        peaks = {"client (this process)": peak_bytes(os.getpid()), "server": peak_bytes(servers.pids[0])}
    return {"seconds": seconds, "peaks": peaks}


def run_dask(args):
    """The points as Dask arrays over the files, through graphgrpc.dask on a LocalCluster over two servers."""
    import dask
    import dask.array as da
    from distributed import Client as DaskClient, LocalCluster

    from graphgrpc.dask import evaluate_batch

    x, y, z = g1()
    xs = da.from_array(columns.RawColumn(args.x, args.points), chunks=args.chunk_points)
    ys = da.from_array(columns.RawColumn(args.y, args.points), chunks=args.chunk_points)
    paths = output_paths(args.folder, "dask")
    for path in paths.values():
        columns.create(path, args.points)
    targets = [columns.RawColumnWriter(paths[name], args.points) for name in OUTPUTS]

    with Servers(args.server_dll, args.servers) as servers, \
            LocalCluster(n_workers=args.workers, threads_per_worker=args.threads, processes=True,
                         dashboard_address=None, memory_limit=0) as cluster, DaskClient(cluster) as dask_client:
        # Warm: every worker imports graphgrpc and opens its channels, every server caches the plan.
        warm = evaluate_batch(z, {x: np.ones(4000), y: np.ones(4000)}, servers=servers.addresses, chunk_points=250)
        warm.outputs[z].compute()

        result = evaluate_batch(z, {x: xs, y: ys}, servers=servers.addresses, wrt=[x, y])
        stored = da.store([result.outputs[z], result.gradients[x], result.gradients[y]], targets, lock=False,
                          compute=False)
        began = time.perf_counter()
        _, served_by = dask.compute(stored, result.served_by)
        seconds = time.perf_counter() - began

        # The cost of a task beyond its points: tasks of one point each, over the same workers and servers.
        tiny = evaluate_batch(z, {x: np.ones(args.overhead_tasks), y: np.ones(args.overhead_tasks)},
                              servers=servers.addresses, chunk_points=1)
        began = time.perf_counter()
        tiny.outputs[z].compute()
        overhead_seconds = time.perf_counter() - began
        # Dask's own share of it: as many tasks that do nothing, from the futures API.
        began = time.perf_counter()
        dask_client.gather(dask_client.map(abs, range(args.overhead_tasks)))
        noop_seconds = time.perf_counter() - began

        peaks = {"client and scheduler (this process)": peak_bytes(os.getpid())}
        for index, (worker, pid) in enumerate(sorted(dask_client.run(os.getpid).items())):
            peaks[f"worker {index + 1}"] = peak_bytes(pid)
        for index, pid in enumerate(servers.pids):
            peaks[f"server {index + 1}"] = peak_bytes(pid)
        tasks_by_server = {f"server {i + 1}": int(sum(s == address for s in served_by))
                           for i, address in enumerate(servers.addresses)}
    return {"seconds": seconds, "peaks": peaks, "tasks": len(served_by), "tasks_by_server": tasks_by_server,
            "overhead_seconds": overhead_seconds, "noop_seconds": noop_seconds}


def same_files(first, second, points, block=1 << 22):
    a, b = columns.RawColumn(first, points), columns.RawColumn(second, points)
    return all(a[i:i + block].tobytes() == b[i:i + block].tobytes() for i in range(0, points, block))


def load_average():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def report(args, single, parallel):
    mib = 1 << 20
    n, c = args.points, args.chunk_points
    threads = args.workers * args.threads
    single_rate, dask_rate = n / single["seconds"], n / parallel["seconds"]
    print(f"\n{n:,} G1 points (value, dz/dx, dz/dy), {n * 16 / mib:,.0f} MiB of input and {n * 24 / mib:,.0f} MiB "
          "of results, in files on disk")
    print(f"{'run':<46} {'seconds':>9} {'points/s':>14} {'ratio':>7}")
    print(f"{'one EvaluateBatch stream, one server':<46} {single['seconds']:9.2f} {single_rate:14,.0f} {1:7.2f}")
    label = f"graphgrpc.dask, {args.workers}x{args.threads} threads, {args.servers} servers"
    print(f"{label:<46} {parallel['seconds']:9.2f} {dask_rate:14,.0f} {dask_rate / single_rate:7.2f}")
    print(f"  {parallel['tasks']} tasks of {c:,} points; answered by " +
          ", ".join(f"{k}: {v}" for k, v in parallel["tasks_by_server"].items()))

    print("\npeak resident memory (VmHWM) of each process")
    for run, figures in (("one stream", single), ("graphgrpc.dask", parallel)):
        for name, value in figures["peaks"].items():
            print(f"  {run:<15} {name:<38} {value / mib:8,.0f} MiB")

    # A task costs its points at the one-stream rate plus a fixed overhead: Dask's scheduling, the
    # stream's set-up, the client's copies. With the tiny tasks run `threads` at a time, each took
    # overhead_seconds * threads / overhead_tasks; Dask's part is what the no-op tasks took.
    per_task = parallel["overhead_seconds"] * threads / args.overhead_tasks
    dask_part = parallel["noop_seconds"] * threads / args.overhead_tasks
    noop_rate = args.overhead_tasks / parallel["noop_seconds"]
    replica_rate = c / (c / single_rate + per_task)
    print(f"\non paper: a task of c = {c:,} points takes c / R + t, with R = {single_rate:,.0f} points/s "
          f"(one stream) and t = {per_task * 1e3:.1f} ms")
    print(f"  (t: {args.overhead_tasks} one-point tasks, {threads} at a time, took "
          f"{parallel['overhead_seconds']:.2f} s; as many no-op Dask tasks took {parallel['noop_seconds']:.2f} s, {dask_part * 1e3:.1f} ms each)")
    print(f"  one replica kept busy serves c / (c / R + t) = {replica_rate:,.0f} points/s "
          f"({replica_rate / single_rate:.0%} of R)")
    print("  r replicas, each with its own cores and fed by at least one worker thread, serve r times that,")
    print(f"  up to the scheduler's task rate times c: here it ran no-op tasks at {noop_rate:,.0f}/s, "
          f"so at least {c * noop_rate:,.0f} points/s:")
    for replicas in (1, 2, 4, 8, 16, 32):
        print(f"    r = {replicas:>2}: {min(replicas * replica_rate, c * noop_rate):16,.0f} points/s")
    print("  Here the servers, the workers and this process share the machine's cores, so the measured")
    print("  graphgrpc.dask figure is not r times R: it shows the overhead, not the scaling.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-dll", required=True, help="the built GraphGrpc.Server.dll")
    parser.add_argument("--points", type=int, default=100_000_000)
    parser.add_argument("--chunk-points", type=int, default=1 << 20, help="points per Dask task")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--overhead-tasks", type=int, default=400)
    parser.add_argument("--folder", help="where the files go (default: a new temporary folder, removed at the end)")
    parser.add_argument("--phase", choices=("single", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--x", help=argparse.SUPPRESS)
    parser.add_argument("--y", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        result = run_single_stream(args) if args.phase == "single" else run_dask(args)
        print(json.dumps(result))
        return

    print(f"load average at the start: {load_average()} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(dir=args.folder, prefix="graphgrpc-dask-bench-") as folder:
        x, y = os.path.join(folder, "x.f64"), os.path.join(folder, "y.f64")
        columns.fill_uniform(x, args.points, seed=1)
        columns.fill_uniform(y, args.points, seed=2)
        results = {}
        # Each run in a process of its own, so that each peak memory is that run's alone.
        for phase in ("single", "dask"):
            command = [sys.executable, os.path.abspath(__file__), *sys.argv[1:], "--phase", phase, "--folder", folder,
                       "--x", x, "--y", y]
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"the {phase} run failed:\n{run.stdout}\n{run.stderr}")
            results[phase] = json.loads(run.stdout.strip().splitlines()[-1])
        single, dask_paths = output_paths(folder, "single"), output_paths(folder, "dask")
        equal = all(same_files(single[name], dask_paths[name], args.points) for name in OUTPUTS)
        report(args, results["single"], results["dask"])
        print(f"\nthe two runs' z, dz/dx and dz/dy files are {'equal bit for bit' if equal else 'NOT EQUAL'}")
    print(f"load average at the end: {load_average()}")
    sys.exit(0 if equal else 1)


if __name__ == "__main__":
    main()
