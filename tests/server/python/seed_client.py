#!/usr/bin/python3
"""GraphEvaluator end to end from Debian's grpcio (the gRPC C core).

Generates the stubs from the repository's protos, then against 127.0.0.1:PORT:
- evaluates seed 003's loss L = (x*w + b - y)^2 at x=2, w=3, b=1, y=5 over the stream and unary;
- sends an invalid graph and decodes every problem from grpc-status-details-bin.
Prints "PASS name" or "FAIL name: reason" per case and exits 1 if any failed.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import traceback

import grpc
from google.protobuf import json_format

PROTOS = ["graphgrpc/v1/graph.proto", "graphgrpc/v1/evaluator.proto", "google/rpc/status.proto"]


def generate_stubs(protos_root, out_dir):
    subprocess.run(["protoc", "-I", protos_root, "--python_out", out_dir, "--grpc_python_out", out_dir,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"] + PROTOS, check=True)
    sys.path.insert(0, out_dir)
    # google.rpc lands beside the installed google.protobuf: extend that package's path to find it.
    import google
    google.__path__.append(os.path.join(out_dir, "google"))


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def seed003_request(evaluator_pb2, graph_pb2, repo_root):
    with open(os.path.join(repo_root, "src/GraphGrpc.Cli/examples/seed003-squared-error.json")) as f:
        graph = json_format.Parse(f.read(), graph_pb2.Graph())
    return evaluator_pb2.EvaluateRequest(graph=graph)


def check_seed003(values, gradients):
    check(values["L"] == [4.0], f"L = {values['L']}, expected 4")
    expected = {"x": 12.0, "w": 8.0, "b": 4.0, "y": -4.0}
    for node, gradient in expected.items():
        check(gradients[node] == [gradient], f"dL/d{node} = {gradients[node]}, expected {gradient}")


def case_evaluate_stream(stub, modules, repo_root):
    evaluator_pb2, graph_pb2, _ = modules
    events = list(stub.Evaluate(seed003_request(evaluator_pb2, graph_pb2, repo_root), timeout=10))
    kinds = [e.WhichOneof("event") for e in events]
    check(kinds[-1] == "summary" and kinds.count("summary") == 1, f"the summary is not last and alone: {kinds}")
    check(kinds == sorted(kinds, key=["value", "gradient", "trace", "summary"].index), f"events out of order: {kinds}")
    values = {e.value.node_id: list(e.value.value.values) for e in events if e.HasField("value")}
    gradients = {e.gradient.node_id: list(e.gradient.gradient.values) for e in events if e.HasField("gradient")}
    check_seed003(values, gradients)


def case_evaluate_unary(stub, modules, repo_root):
    evaluator_pb2, graph_pb2, _ = modules
    response = stub.EvaluateUnary(seed003_request(evaluator_pb2, graph_pb2, repo_root), timeout=10)
    check_seed003({v.node_id: list(v.value.values) for v in response.values},
                  {g.node_id: list(g.gradient.values) for g in response.gradients})


def case_status_details(stub, modules, repo_root):
    evaluator_pb2, graph_pb2, status_pb2 = modules
    graph = json_format.Parse('{"nodes": [{"id": "a", "inputs": ["b"], "neg": {}},'
                              ' {"id": "b", "inputs": ["a"], "exp": {}},'
                              ' {"id": "c", "inputs": ["ghost"], "log": {}}]}', graph_pb2.Graph())
    try:
        stub.EvaluateUnary(evaluator_pb2.EvaluateRequest(graph=graph), timeout=10)
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"code {error.code()}")
        details = dict(error.trailing_metadata()).get("grpc-status-details-bin")
        check(details is not None, "no grpc-status-details-bin trailer")
        status = status_pb2.Status.FromString(details)
        check(status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0], f"details code {status.code}")
        failure = evaluator_pb2.ValidationFailure()
        check(status.details[0].Unpack(failure), f"detail is {status.details[0].type_url}")
        problems = [(p.node_id, evaluator_pb2.ProblemKind.Name(p.kind), p.message) for p in failure.problems]
        check(problems == [("c", "PROBLEM_KIND_UNKNOWN_INPUT", "input 'ghost' is not a node of the graph"),
                           ("a", "PROBLEM_KIND_CYCLE", "is on a cycle: a -> b -> a")], f"problems {problems}")
        return
    raise AssertionError("an invalid graph was evaluated")


CASES = {
    "evaluate_stream": case_evaluate_stream,
    "evaluate_unary": case_evaluate_unary,
    "status_details": case_status_details,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--repo_root", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out_dir:
        generate_stubs(os.path.join(args.repo_root, "protos"), out_dir)
        from graphgrpc.v1 import evaluator_pb2, evaluator_pb2_grpc, graph_pb2
        from google.rpc import status_pb2
        modules = (evaluator_pb2, graph_pb2, status_pb2)
        failed = False
        with grpc.insecure_channel(f"127.0.0.1:{args.server_port}") as channel:
            stub = evaluator_pb2_grpc.GraphEvaluatorStub(channel)
            for name, case in CASES.items():
                try:
                    case(stub, modules, args.repo_root)
                    print(f"PASS {name}", flush=True)
                except Exception as error:
                    failed = True
                    print(f"FAIL {name}: {error!r}", flush=True)
                    traceback.print_exc()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
