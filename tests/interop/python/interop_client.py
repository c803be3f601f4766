#!/usr/bin/python3
"""gRPC interop client (grpc/grpc doc/interop-test-descriptions.md) on Debian's grpcio.

Generates the stubs from the repository's protos with protoc and grpc_python_plugin, runs each
requested case against 127.0.0.1:PORT and prints one line per case: "PASS name" or
"FAIL name: reason". Exits 1 if any case failed.
"""
import argparse
import os
import queue
import subprocess
import sys
import tempfile
import threading
import traceback

import grpc

PROTOS = ["grpc/testing/empty.proto", "grpc/testing/messages.proto", "grpc/testing/test.proto",
          "grpc/health/v1/health.proto"]

SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")


def generate_stubs(protos_root, out_dir):
    subprocess.run(["protoc", "-I", protos_root, "--python_out", out_dir, "--grpc_python_out", out_dir,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"] + PROTOS, check=True)
    # The generated modules live in packages grpc.testing and grpc.health, under grpcio's own
    # "grpc" package: extend that package's search path instead of shadowing it.
    grpc.__path__.append(os.path.join(out_dir, "grpc"))


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def expect_rpc_error(code, fn, details=None):
    try:
        fn()
    except grpc.RpcError as err:
        check(err.code() == code, f"expected {code}, got {err.code()}: {err.details()!r}")
        if details is not None:
            check(err.details() == details, f"expected details {details!r}, got {err.details()!r}")
        return err
    raise Failure(f"expected {code}, but the call succeeded")


class Pipe:
    """A request iterator the test feeds one message at a time, for ping-pong style calls."""

    def __init__(self):
        self._queue = queue.Queue()

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is None:
            raise StopIteration()
        return item

    def add(self, item):
        self._queue.put(item)

    def close(self):
        self._queue.put(None)


class Cases:
    def __init__(self, channel):
        from grpc.testing import empty_pb2, messages_pb2, test_pb2_grpc
        from grpc.health.v1 import health_pb2, health_pb2_grpc
        self.empty = empty_pb2
        self.m = messages_pb2
        self.stub = test_pb2_grpc.TestServiceStub(channel)
        self.unimplemented = test_pb2_grpc.UnimplementedServiceStub(channel)
        self.health_pb2 = health_pb2
        self.health = health_pb2_grpc.HealthStub(channel)

    def zeros(self, size):
        return self.m.Payload(body=b"\0" * size)

    def large_request(self, **kwargs):
        return self.m.SimpleRequest(response_size=314159, payload=self.zeros(271828), **kwargs)

    def check_large_response(self, response):
        check(len(response.payload.body) == 314159, f"payload is {len(response.payload.body)} bytes, not 314159")
        check(response.payload.body == b"\0" * 314159, "payload is not all zeros")

    def streaming_request(self, sizes, payload_size=None, **kwargs):
        request = self.m.StreamingOutputCallRequest(
            response_parameters=[self.m.ResponseParameters(size=s) for s in sizes], **kwargs)
        if payload_size is not None:
            request.payload.CopyFrom(self.zeros(payload_size))
        return request

    def empty_unary(self):
        response = self.stub.EmptyCall(self.empty.Empty())
        check(response.ByteSize() == 0, "response is not empty")

    def large_unary(self):
        self.check_large_response(self.stub.UnaryCall(self.large_request()))

    def client_compressed_unary(self):
        expect_rpc_error(grpc.StatusCode.INVALID_ARGUMENT, lambda: self.stub.UnaryCall(
            self.large_request(expect_compressed=self.m.BoolValue(value=True))))
        self.check_large_response(self.stub.UnaryCall(
            self.large_request(expect_compressed=self.m.BoolValue(value=True)), compression=grpc.Compression.Gzip))
        self.check_large_response(self.stub.UnaryCall(
            self.large_request(expect_compressed=self.m.BoolValue(value=False))))

    def server_compressed_unary(self):
        for compressed in (True, False):
            self.check_large_response(self.stub.UnaryCall(
                self.large_request(response_compressed=self.m.BoolValue(value=compressed))))

    def client_streaming(self):
        requests = [self.m.StreamingInputCallRequest(payload=self.zeros(s)) for s in (27182, 8, 1828, 45904)]
        response = self.stub.StreamingInputCall(iter(requests))
        check(response.aggregated_payload_size == 74922, f"aggregated size {response.aggregated_payload_size}")

    def client_compressed_streaming(self):
        probe = self.m.StreamingInputCallRequest(payload=self.zeros(27182), expect_compressed=self.m.BoolValue(value=True))
        expect_rpc_error(grpc.StatusCode.INVALID_ARGUMENT, lambda: self.stub.StreamingInputCall(iter([probe])))
        # grpcio compresses per call, not per message, so the second message is compressed too.
        requests = [probe, self.m.StreamingInputCallRequest(payload=self.zeros(45904), expect_compressed=self.m.BoolValue(value=False))]
        response = self.stub.StreamingInputCall(iter(requests), compression=grpc.Compression.Gzip)
        check(response.aggregated_payload_size == 73086, f"aggregated size {response.aggregated_payload_size}")

    def server_streaming(self):
        sizes = [31415, 9, 2653, 58979]
        responses = list(self.stub.StreamingOutputCall(self.streaming_request(sizes)))
        check([len(r.payload.body) for r in responses] == sizes, f"sizes {[len(r.payload.body) for r in responses]}")

    def server_compressed_streaming(self):
        request = self.m.StreamingOutputCallRequest(response_parameters=[
            self.m.ResponseParameters(size=31415, compressed=self.m.BoolValue(value=True)),
            self.m.ResponseParameters(size=92653, compressed=self.m.BoolValue(value=False))])
        responses = list(self.stub.StreamingOutputCall(request))
        check([len(r.payload.body) for r in responses] == [31415, 92653], f"sizes {[len(r.payload.body) for r in responses]}")

    def ping_pong(self):
        pipe = Pipe()
        responses = self.stub.FullDuplexCall(pipe)
        for response_size, payload_size in ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904)):
            pipe.add(self.streaming_request([response_size], payload_size))
            response = next(responses)
            check(len(response.payload.body) == response_size, f"response of {len(response.payload.body)} bytes, not {response_size}")
        pipe.close()
        check(next(responses, None) is None, "more responses than requests")
        check(responses.code() == grpc.StatusCode.OK, f"status {responses.code()}")

    def empty_stream(self):
        responses = list(self.stub.FullDuplexCall(iter([])))
        check(responses == [], f"{len(responses)} responses to an empty stream")

    def timeout_on_sleeping_server(self):
        pipe = Pipe()
        responses = self.stub.FullDuplexCall(pipe, timeout=0.001)
        pipe.add(self.streaming_request([], 27182))
        expect_rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED, lambda: next(responses))
        pipe.close()

    def cancel_after_begin(self):
        pipe = Pipe()
        future = self.stub.StreamingInputCall.future(pipe)
        future.cancel()
        check(future.cancelled(), "the call was not cancelled")
        check(future.code() == grpc.StatusCode.CANCELLED, f"status {future.code()}")
        pipe.close()

    def cancel_after_first_response(self):
        pipe = Pipe()
        responses = self.stub.FullDuplexCall(pipe)
        pipe.add(self.streaming_request([31415], 27182))
        response = next(responses)
        check(len(response.payload.body) == 31415, "first response has the wrong size")
        responses.cancel()
        expect_rpc_error(grpc.StatusCode.CANCELLED, lambda: next(responses))
        pipe.close()

    def status_code_and_message(self, message="test status message"):
        status = self.m.EchoStatus(code=2, message=message)
        expect_rpc_error(grpc.StatusCode.UNKNOWN, lambda: self.stub.UnaryCall(self.m.SimpleRequest(response_status=status)), message)
        request = self.m.StreamingOutputCallRequest(response_status=status)
        expect_rpc_error(grpc.StatusCode.UNKNOWN, lambda: list(self.stub.FullDuplexCall(iter([request]))), message)

    def special_status_message(self):
        self.status_code_and_message(SPECIAL_MESSAGE)

    def check_echoed_metadata(self, initial, trailing):
        check(ECHO_INITIAL in list(initial), f"initial metadata {initial}")
        check(ECHO_TRAILING in list(trailing), f"trailing metadata {trailing}")

    def custom_metadata(self):
        metadata = [ECHO_INITIAL, ECHO_TRAILING]
        response, call = self.stub.UnaryCall.with_call(self.large_request(), metadata=metadata)
        self.check_large_response(response)
        self.check_echoed_metadata(call.initial_metadata(), call.trailing_metadata())
        request = self.streaming_request([314159], 271828)
        responses = self.stub.FullDuplexCall(iter([request]), metadata=metadata)
        check([len(r.payload.body) for r in responses] == [314159], "duplex response size")
        self.check_echoed_metadata(responses.initial_metadata(), responses.trailing_metadata())

    def unimplemented_method(self):
        expect_rpc_error(grpc.StatusCode.UNIMPLEMENTED, lambda: self.stub.UnimplementedCall(self.empty.Empty()))

    def unimplemented_service(self):
        expect_rpc_error(grpc.StatusCode.UNIMPLEMENTED, lambda: self.unimplemented.UnimplementedCall(self.empty.Empty()))

    def health_check(self):
        serving = self.health_pb2.HealthCheckResponse.SERVING
        response = self.health.Check(self.health_pb2.HealthCheckRequest(service=""))
        check(response.status == serving, f"overall status {response.status}")
        response = self.health.Check(self.health_pb2.HealthCheckRequest(service="grpc.testing.TestService"))
        check(response.status == serving, f"TestService status {response.status}")
        expect_rpc_error(grpc.StatusCode.NOT_FOUND, lambda: self.health.Check(self.health_pb2.HealthCheckRequest(service="no.such.Service")))

    def health_watch(self):
        responses = self.health.Watch(self.health_pb2.HealthCheckRequest(service="grpc.testing.TestService"), timeout=10)
        first = next(responses)
        check(first.status == self.health_pb2.HealthCheckResponse.SERVING, f"first watched status {first.status}")
        responses.cancel()
        unknown = self.health.Watch(self.health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        first = next(unknown)
        check(first.status == self.health_pb2.HealthCheckResponse.SERVICE_UNKNOWN, f"unknown service watched as {first.status}")
        unknown.cancel()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--protos_root", required=True)
    parser.add_argument("--test_cases", required=True, help="comma-separated case names")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as gen_dir:
        generate_stubs(args.protos_root, gen_dir)
        channel = grpc.insecure_channel(f"127.0.0.1:{args.server_port}")
        cases = Cases(channel)
        failed = 0
        for name in args.test_cases.split(","):
            result = [None]

            def run():
                try:
                    getattr(cases, name)()
                except Failure as failure:
                    result[0] = str(failure)
                except grpc.RpcError as err:
                    result[0] = f"unexpected status {err.code()}: {err.details()!r}"
                except Exception:  # a crash in one case must not hide the others
                    result[0] = traceback.format_exc().strip().splitlines()[-1]

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            worker.join(30)
            if worker.is_alive():
                result[0] = "timed out after 30 s"
            if result[0] is None:
                print(f"PASS {name}", flush=True)
            else:
                failed += 1
                print(f"FAIL {name}: {result[0]}", flush=True)
        channel.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
