"""The client's TLS and token options, against a stand-in GraphEvaluator served by grpcio that
reports the authorization metadata it received."""
import subprocess
from concurrent import futures

import grpc
import pytest

from graphgrpc import Client, Graph, GraphGrpcError
from graphgrpc.v1 import evaluator_pb2, evaluator_pb2_grpc


class EchoAuthorization(evaluator_pb2_grpc.GraphEvaluatorServicer):
    """Answers EvaluateUnary with the request's authorization header as the plan hash."""

    def EvaluateUnary(self, request, context):
        authorization = dict(context.invocation_metadata()).get("authorization", "")
        return evaluator_pb2.EvaluateUnaryResponse(summary=evaluator_pb2.EvaluationSummary(plan_hash=authorization))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return key.read_bytes(), cert


@pytest.fixture(scope="module")
def stand_in(certificate):
    """(plain-text port, TLS port) of a stand-in server on loopback."""
    key, cert = certificate
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    evaluator_pb2_grpc.add_GraphEvaluatorServicer_to_server(EchoAuthorization(), server)
    plain = server.add_insecure_port("127.0.0.1:0")
    secure = server.add_secure_port("localhost:0", grpc.ssl_server_credentials([(key, cert.read_bytes())]))
    server.start()
    yield plain, secure
    server.stop(grace=None)


def any_graph():
    g = Graph()
    return g.exp(g.input("x", 0.0))


def test_a_token_is_sent_as_a_bearer_authorization_header(stand_in):
    plain, _ = stand_in
    with Client(f"127.0.0.1:{plain}", token="s3cret", timeout=10) as client:
        assert client.evaluate(any_graph()).plan_hash == "Bearer s3cret"
    with Client(f"127.0.0.1:{plain}", timeout=10) as client:
        assert client.evaluate(any_graph()).plan_hash == ""


def test_tls_with_root_certificates_from_a_file_or_bytes(stand_in, certificate):
    _, secure = stand_in
    _, cert = certificate
    for roots in (str(cert), cert.read_bytes()):
        with Client(f"localhost:{secure}", root_certificates=roots, token="t", timeout=10) as client:
            assert client.evaluate(any_graph()).plan_hash == "Bearer t"


def test_tls_refuses_a_server_its_roots_do_not_trust(stand_in):
    _, secure = stand_in
    with Client(f"https://localhost:{secure}", timeout=5) as client:
        with pytest.raises(GraphGrpcError) as raised:
            client.evaluate(any_graph())
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE


def test_the_real_server_accepts_a_token(address):
    with Client(address, token="anything", timeout=10) as with_token:
        assert with_token.evaluate(any_graph()).values["x"] == 0.0
