"""Python clients (graphgrpc.Client, gRPC's own retry policy) calling an overloaded server at once.

    /usr/bin/python3 tests/reliability/overload_client.py --port P --first-id 1000 --calls 40 \
        --concurrency 8 --reference 0x1.8p+3

Call k evaluates o = sum(m^L) * k, so its answer is reference * k exactly (one IEEE multiply on
either side) and a lost, duplicated or misrouted answer shows. Prints one JSON line of counts.
"""
import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src", "clients", "python"))
from graphgrpc import Client  # noqa: E402
from graphgrpc.errors import GraphGrpcError  # noqa: E402
from graphgrpc.v1 import graph_pb2  # noqa: E402


def graph(k, n, length):
    values = [1.0 if i % (n + 1) == 0 else 1e-6 for i in range(n * n)]
    nodes = [graph_pb2.Node(id="m", input=graph_pb2.Input(value=graph_pb2.Tensor(shape=[n, n], values=values))),
             graph_pb2.Node(id="x0", input=graph_pb2.Input(value=graph_pb2.Tensor(shape=[n, n], values=values)))]
    nodes += [graph_pb2.Node(id=f"x{i}", inputs=[f"x{i - 1}", "m"], matmul=graph_pb2.MatMul()) for i in range(1, length + 1)]
    nodes += [graph_pb2.Node(id="loss", inputs=[f"x{length}"], sum=graph_pb2.Sum()),
              graph_pb2.Node(id="k", input=graph_pb2.Input(value=graph_pb2.Tensor(shape=[], values=[float(k)]))),
              graph_pb2.Node(id="o", inputs=["loss", "k"], mul=graph_pb2.Mul())]
    return graph_pb2.Graph(nodes=nodes)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--first-id", type=int, required=True)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reference", required=True, help="sum(m^L) as a hex float")
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--length", type=int, default=40)
    args = parser.parse_args()
    reference = float.fromhex(args.reference)
    client = Client(f"127.0.0.1:{args.port}", timeout=60)

    def call(k):
        try:
            result = client.evaluate(["o"], wrt=[], graph=graph(k, args.n, args.length), values=["o"], gradients="none")
            value = float(result.values["o"])
            return ("ok", k) if value == reference * k else ("wrong", f"call {k}: {value.hex()} instead of {(reference * k).hex()}")
        except GraphGrpcError as error:
            # The client raises its own error from gRPC's, which keeps the trailers.
            cause = error.__cause__
            pushback = dict(cause.trailing_metadata() or ()).get("grpc-retry-pushback-ms") if isinstance(cause, grpc.RpcError) else None
            if error.code == grpc.StatusCode.RESOURCE_EXHAUSTED and pushback is not None:
                return "refused", k
            return "other", f"call {k}: {error} (pushback {pushback})"

    ids = range(args.first_id, args.first_id + args.calls)
    with ThreadPoolExecutor(args.concurrency) as pool:
        outcomes = list(pool.map(call, ids))
    report = {kind: [detail for k, detail in outcomes if k == kind] for kind in ("ok", "refused", "wrong", "other")}
    print(json.dumps(report))
    client.close()


if __name__ == "__main__":
    main()
