#!/usr/bin/python3
"""Scale-out on one machine: a grpcio client balancing round_robin over three GraphGrpc servers.

1. Reference: every request on server 1 alone.
2. The same requests over one channel with round_robin across the three servers, in chunks:
   - the first half of the seed calls; each server's log must show it served some of them;
   - long calls, each streaming; once every one of them is running, server 3 is killed (SIGKILL),
     so the calls it was running fail and are retried, and round_robin sends them elsewhere;
   - the second half of the seed calls, on the two servers left.
3. Every result must equal the reference bit for bit (tensors travel as raw float64 bytes).
Prints "PASS name" or "FAIL name: reason" per check and exits 1 if any failed.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import grpc
from google.protobuf import json_format

EXAMPLES = ["seed000-gradient-flow.json", "seed001-neural-layer.json", "seed001-sin-of-square.json",
            "seed001-sum-of-paths.json", "seed002-log-expression.json", "seed003-squared-error.json"]
# A replica gone or draining; evaluations are pure, so sending one again is safe.
RETRYABLE = {grpc.StatusCode.UNAVAILABLE}
ATTEMPTS = 5
CHUNK = 30
SERVED = re.compile(r"\b(EvaluateUnary|Evaluate) OK\b")


def generate_stubs(repo_root, out_dir):
    subprocess.run(["protoc", "-I", os.path.join(repo_root, "protos"), "--python_out", out_dir, "--grpc_python_out", out_dir,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                    "graphgrpc/v1/graph.proto", "graphgrpc/v1/evaluator.proto"], check=True)
    sys.path.insert(0, out_dir)


def seed_requests(pb, repo_root, count):
    """Seed graphs with their input leaves scaled by 1.00 .. 1.49, so that no two nearby calls are alike."""
    evaluator_pb2, graph_pb2 = pb
    graphs = []
    for name in EXAMPLES:
        with open(os.path.join(repo_root, "src/GraphGrpc.Cli/examples", name)) as f:
            graphs.append(json_format.Parse(f.read(), graph_pb2.Graph()))
    requests = []
    for i in range(count):
        graph = graph_pb2.Graph()
        graph.CopyFrom(graphs[i % len(graphs)])
        scale = 1 + (i % 50) / 100
        for node in graph.nodes:
            if node.WhichOneof("op") == "input":
                values = [v * scale for v in node.input.value.values]
                del node.input.value.values[:]
                node.input.value.values.extend(values)
        requests.append(evaluator_pb2.EvaluateRequest(graph=graph, raw_tensors=True))
    return requests


def long_requests(pb, count, n=100, length=400):
    """Chains of n x n matrix products, long enough to be running when a server is killed: each must
    outlast the time all of them take to send their first event, or the kill finds none running
    (with 120 products, a quiet 2-core machine now and then saw every call end before the kill)."""
    evaluator_pb2, graph_pb2 = pb
    requests = []
    for i in range(count):
        graph = graph_pb2.Graph()
        m = [(1.0 if r == c else 1e-6 * (1 + i)) for r in range(n) for c in range(n)]
        graph.nodes.add(id="m", input=graph_pb2.Input(value=graph_pb2.Tensor(shape=[n, n], values=m)))
        graph.nodes.add(id="x0", input=graph_pb2.Input(value=graph_pb2.Tensor(shape=[n, n], values=m)))
        for k in range(1, length + 1):
            graph.nodes.add(id=f"x{k}", inputs=[f"x{k - 1}", "m"], matmul=graph_pb2.MatMul())
        graph.nodes.add(id="loss", inputs=[f"x{length}"], sum=graph_pb2.Sum())
        listed = evaluator_pb2.NodeSelection.Mode.Value("MODE_LISTED")
        requests.append(evaluator_pb2.EvaluateRequest(
            graph=graph, raw_tensors=True,
            # x1's value comes first, at once; the leaves' gradients come last: the call is running in between.
            values=evaluator_pb2.NodeSelection(mode=listed, node_ids=["x1", "loss"]),
            gradients=evaluator_pb2.NodeSelection(mode=listed, node_ids=["m", "x0"])))
    return requests


def tensor_bits(tensor):
    return list(tensor.shape), bytes(tensor.raw)


def unary_result(response):
    return ([(v.node_id, tensor_bits(v.value)) for v in response.values],
            [(g.node_id, tensor_bits(g.gradient)) for g in response.gradients])


def stream_result(events):
    return ([(e.value.node_id, tensor_bits(e.value.value)) for e in events if e.HasField("value")],
            [(e.gradient.node_id, tensor_bits(e.gradient.gradient)) for e in events if e.HasField("gradient")])


class Run:
    """Calls with retries: an idempotent evaluation that failed retryably is sent again."""

    def __init__(self, stub):
        self.stub = stub
        self.retried = 0
        self.codes = []

    def unary_chunk(self, requests):
        results = [None] * len(requests)
        pending = list(range(len(requests)))
        for attempt in range(ATTEMPTS):
            futures = [(i, self.stub.EvaluateUnary.future(requests[i], timeout=60)) for i in pending]
            pending = []
            for i, future in futures:
                try:
                    results[i] = unary_result(future.result())
                except grpc.RpcError as error:
                    self.fail(error, attempt)
                    pending.append(i)
            if not pending:
                return results
            time.sleep(0.2 * (attempt + 1))
        raise AssertionError(f"{len(pending)} calls still failing after {ATTEMPTS} attempts: {self.codes}")

    def stream_all(self, requests, on_all_running=None):
        """Runs every request as an Evaluate stream at once; calls on_all_running once each has sent its first event."""
        results = [None] * len(requests)
        failed = []
        errors = []
        started = threading.Barrier(len(requests) + 1)
        lock = threading.Lock()

        def one(i):
            events = []
            try:
                for event in self.stub.Evaluate(requests[i], timeout=120):
                    events.append(event)
                    if len(events) == 1:
                        started.wait(timeout=60)
                results[i] = stream_result(events)
            except grpc.RpcError as error:
                with lock:
                    (failed if error.code() in RETRYABLE and events else errors).append(i if events else error)
                    self.codes.append(error.code().name)
                    self.retried += 1
            except threading.BrokenBarrierError as error:
                errors.append(error)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
        for thread in threads:
            thread.start()
        try:
            started.wait(timeout=60)
        except threading.BrokenBarrierError:
            raise AssertionError(f"not every stream started: {errors}")
        if on_all_running:
            on_all_running()
        for thread in threads:
            thread.join(timeout=120)
        if errors:
            raise AssertionError(f"streams failed: {errors}")
        # Each failed call starts over; round_robin now picks among the servers still up.
        for attempt in range(1, ATTEMPTS):
            if not failed:
                break
            retry, failed = failed, []
            for i in retry:
                try:
                    results[i] = stream_result(list(self.stub.Evaluate(requests[i], timeout=120)))
                except grpc.RpcError as error:
                    self.fail(error, attempt)
                    failed.append(i)
        if failed:
            raise AssertionError(f"{len(failed)} streams still failing after {ATTEMPTS} attempts: {self.codes}")
        return results

    def fail(self, error, attempt):
        if error.code() not in RETRYABLE:
            raise error
        self.codes.append(error.code().name)
        if attempt == 0:
            self.retried += 1


def served(logs):
    counts = []
    for path in logs:
        with open(path, errors="replace") as f:
            counts.append(len(SERVED.findall(f.read())))
    return counts


def wait_for_served(logs, baseline, expected):
    """The log line of a call is written after the reply; waits (at most 10 s) until every reply is logged."""
    deadline = time.monotonic() + 10
    while True:
        delta = [now - before for now, before in zip(served(logs), baseline)]
        if sum(delta) >= expected or time.monotonic() > deadline:
            return delta
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ports", required=True, help="three ports, comma-separated")
    parser.add_argument("--logs", required=True, help="the servers' log files, comma-separated, in the same order")
    parser.add_argument("--kill_pid", type=int, required=True, help="the process id of the third server")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--long_calls", type=int, default=6)
    parser.add_argument("--repo_root", required=True)
    args = parser.parse_args()
    ports = args.ports.split(",")
    logs = args.logs.split(",")
    if len(ports) != 3 or len(logs) != 3:
        sys.exit("--ports and --logs need three entries each")

    with tempfile.TemporaryDirectory() as out_dir:
        generate_stubs(args.repo_root, out_dir)
        from graphgrpc.v1 import evaluator_pb2, evaluator_pb2_grpc, graph_pb2
        pb = (evaluator_pb2, graph_pb2)
        seeds = seed_requests(pb, args.repo_root, args.calls)
        longs = long_requests(pb, args.long_calls)
        half = args.calls // 2

        with grpc.insecure_channel(f"127.0.0.1:{ports[0]}") as single:
            reference = Run(evaluator_pb2_grpc.GraphEvaluatorStub(single))
            expected_seeds = [r for start in range(0, len(seeds), CHUNK) for r in reference.unary_chunk(seeds[start:start + CHUNK])]
            # One at a time: a server refuses evaluations beyond 4 per core, and the machine may have one.
            expected_longs = [reference.stream_all([r])[0] for r in longs]

        target = "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports)
        # The default :authority would be the whole address list, commas included, which Kestrel
        # refuses as an invalid host (RST_STREAM, PROTOCOL_ERROR): name one host instead.
        options = [("grpc.lb_policy_name", "round_robin"), ("grpc.default_authority", "localhost")]
        checks = {}
        with grpc.insecure_channel(target, options=options) as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            run = Run(evaluator_pb2_grpc.GraphEvaluatorStub(channel))

            # Every reference call logged on server 1 first, so that the counts below are the balanced calls only.
            baseline = wait_for_served(logs, [0, 0, 0], len(seeds) + len(longs))
            got_seeds = [r for start in range(0, half, CHUNK) for r in run.unary_chunk(seeds[start:min(start + CHUNK, half)])]
            delta = wait_for_served(logs, baseline, half)
            checks["all_three_served"] = (all(d > 0 for d in delta) and sum(delta) == half,
                                          f"calls served per server {delta}, {half} sent")

            killed_at = []

            def kill_third():
                killed_at.append(served(logs))
                os.kill(args.kill_pid, signal.SIGKILL)

            got_longs = run.stream_all(longs, on_all_running=kill_third)
            got_seeds += [r for start in range(half, len(seeds), CHUNK) for r in run.unary_chunk(seeds[start:start + CHUNK])]
            # Long calls on servers 1 and 2 may have ended before the kill, so only the seed calls are certain.
            after = wait_for_served(logs[:2], killed_at[0][:2], len(seeds) - half)

        checks["results_equal_single_server"] = (got_seeds == expected_seeds and got_longs == expected_longs,
                                                 f"{sum(a != b for a, b in zip(got_seeds, expected_seeds))} seed and "
                                                 f"{sum(a != b for a, b in zip(got_longs, expected_longs))} long results differ")
        checks["kill_lost_no_result"] = (
            run.retried > 0 and len(got_seeds) == len(seeds) and all(got_longs) and sum(after) >= len(seeds) - half,
            f"{run.retried} calls retried ({','.join(sorted(set(run.codes)))}); after the kill servers 1 and 2 served {after}")
        print(json.dumps({"served_before_kill": delta, "served_after_kill": after, "retried": run.retried}), file=sys.stderr)

    failed = False
    for name, (ok, detail) in checks.items():
        print(f"PASS {name}" if ok else f"FAIL {name}: {detail}", flush=True)
        failed |= not ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
