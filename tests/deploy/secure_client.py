#!/usr/bin/python3
"""GraphEvaluator over TLS with a bearer token, from Debian's grpcio (the gRPC C core).

Against a server on 127.0.0.1:PORT whose certificate the CA file signed, and which requires a token:
- evaluates seed 003 with the CA as the only trusted root and the token as call credentials;
- without a token, and with a wrong one, gets UNAUTHENTICATED;
- asks grpc.health.v1.Health/Check without a token and gets SERVING;
- with the default roots instead of the CA, cannot connect: the certificate is really checked.
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

# HealthCheckRequest{} is empty; HealthCheckResponse{status: SERVING} is field 1, varint 1.
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
SERVING = b"\x08\x01"


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def seed003(evaluator_pb2, graph_pb2, repo_root):
    with open(os.path.join(repo_root, "src/GraphGrpc.Cli/examples/seed003-squared-error.json")) as f:
        return evaluator_pb2.EvaluateRequest(graph=json_format.Parse(f.read(), graph_pb2.Graph()))


def expect_code(call, code, message=None):
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, f"got {error.code()}: {error.details()}")
        check(message is None or error.details() == message, f"message {error.details()!r}")
        return
    raise AssertionError(f"the call succeeded; expected {code}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--repo_root", required=True)
    args = parser.parse_args()
    target = f"127.0.0.1:{args.server_port}"
    with open(args.ca, "rb") as f:
        tls = grpc.ssl_channel_credentials(root_certificates=f.read())

    with tempfile.TemporaryDirectory() as out_dir:
        subprocess.run(["protoc", "-I", os.path.join(args.repo_root, "protos"), "--python_out", out_dir,
                        "--grpc_python_out", out_dir, "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                        "graphgrpc/v1/graph.proto", "graphgrpc/v1/evaluator.proto"], check=True)
        sys.path.insert(0, out_dir)
        from graphgrpc.v1 import evaluator_pb2, evaluator_pb2_grpc, graph_pb2
        request = seed003(evaluator_pb2, graph_pb2, args.repo_root)

        def evaluate_with_token():
            credentials = grpc.composite_channel_credentials(tls, grpc.access_token_call_credentials(args.token))
            with grpc.secure_channel(target, credentials) as channel:
                response = evaluator_pb2_grpc.GraphEvaluatorStub(channel).EvaluateUnary(request, timeout=10)
            values = {v.node_id: list(v.value.values) for v in response.values}
            gradients = {g.node_id: list(g.gradient.values) for g in response.gradients}
            check(values["L"] == [4.0], f"L = {values['L']}")
            check({n: gradients[n] for n in "xwby"} == {"x": [12.0], "w": [8.0], "b": [4.0], "y": [-4.0]}, f"gradients {gradients}")

        def missing_token():
            with grpc.secure_channel(target, tls) as channel:
                stub = evaluator_pb2_grpc.GraphEvaluatorStub(channel)
                expect_code(lambda: stub.EvaluateUnary(request, timeout=10), grpc.StatusCode.UNAUTHENTICATED,
                            "missing bearer token: send metadata 'authorization: Bearer <token>'")

        def wrong_token():
            credentials = grpc.composite_channel_credentials(tls, grpc.access_token_call_credentials(args.token + "x"))
            with grpc.secure_channel(target, credentials) as channel:
                stub = evaluator_pb2_grpc.GraphEvaluatorStub(channel)
                expect_code(lambda: stub.EvaluateUnary(request, timeout=10), grpc.StatusCode.UNAUTHENTICATED,
                            "the bearer token is not accepted")

        def health_without_token():
            with grpc.secure_channel(target, tls) as channel:
                check_health = channel.unary_unary(HEALTH_CHECK, request_serializer=bytes, response_deserializer=bytes)
                reply = check_health(b"", timeout=10)
            check(reply == SERVING, f"health replied {reply!r}")

        def untrusted_server():
            with grpc.secure_channel(target, grpc.ssl_channel_credentials()) as channel:
                stub = evaluator_pb2_grpc.GraphEvaluatorStub(channel)
                expect_code(lambda: stub.EvaluateUnary(request, timeout=10), grpc.StatusCode.UNAVAILABLE)

        failed = False
        for case in [evaluate_with_token, missing_token, wrong_token, health_without_token, untrusted_server]:
            try:
                case()
                print(f"PASS {case.__name__}", flush=True)
            except Exception as error:
                failed = True
                print(f"FAIL {case.__name__}: {error!r}", flush=True)
                traceback.print_exc()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
