"""HTTP/2 and header-level hostile peers against a running GraphGrpc server, with python3-h2.

Each case attacks over raw sockets, bounded in time and in frames sent, while a probe in a process
of its own makes small calls to the same server. A case passes when the server answers the attack
as expected (a status, a stream reset or a GOAWAY), the probe's calls all succeed with a p99 near
the one measured before any attack, and the server's resident memory stays bounded.

    /usr/bin/python3 tests/reliability/hostile_peers.py --port 50051 --pid 1234 [--cases a,b]

It prints "PASS case: detail" or "FAIL case: reason" per case, and exits 1 if any failed.
"""
import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "src", "clients", "python"))
from graphgrpc.v1 import evaluator_pb2, graph_pb2  # noqa: E402

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
EVALUATE = "/graphgrpc.v1.GraphEvaluator/Evaluate"
EVALUATE_UNARY = "/graphgrpc.v1.GraphEvaluator/EvaluateUnary"

# The probe's p99 during an attack may be this many times its p99 at rest, or this many ms above it,
# whichever is more: the machine is small and shared, and the attacker runs on it too.
LATENCY_FACTOR = 10
LATENCY_SLACK_MS = 150
# A case shorter than this is repeated, at most MAX_ROUNDS times in all.
MIN_CASE_SECONDS = 3
MAX_ROUNDS = 20
# Resident memory may grow by this much during a case.
RSS_BOUND = 150 * 1024 * 1024

FRAME_HEADERS, FRAME_RST_STREAM, FRAME_SETTINGS, FRAME_PING, FRAME_CONTINUATION = 0x1, 0x3, 0x4, 0x6, 0x9
FLAG_END_STREAM, FLAG_END_HEADERS = 0x1, 0x4


def grpc_frame(message, compressed=False):
    body = message.SerializeToString() if message is not None else b""
    return struct.pack(">?I", compressed, len(body)) + body


def small_request():
    x = graph_pb2.Node(id="x", input=graph_pb2.Input(value=graph_pb2.Tensor(shape=[], values=[3.0])))
    y = graph_pb2.Node(id="y", inputs=["x", "x"], mul=graph_pb2.Mul())
    return evaluator_pb2.EvaluateRequest(graph=graph_pb2.Graph(nodes=[x, y]))


def large_response_request(elements=1 << 14, length=1600):
    """A chain of negations whose every value is streamed: about length × elements × 8 bytes out."""
    nodes = [graph_pb2.Node(id="c0", input=graph_pb2.Input(value=graph_pb2.Tensor(shape=[elements], raw=bytes(8 * elements))))]
    nodes += [graph_pb2.Node(id=f"c{i}", inputs=[f"c{i - 1}"], neg=graph_pb2.Neg()) for i in range(1, length)]
    none = evaluator_pb2.NodeSelection(mode=evaluator_pb2.NodeSelection.MODE_NONE)
    return evaluator_pb2.EvaluateRequest(graph=graph_pb2.Graph(nodes=nodes), gradients=none, raw_tensors=True)


class Peer:
    """One raw HTTP/2 connection; nothing is validated on the way out, so it can break the rules."""

    def __init__(self, port, settings=None, connect_timeout=5):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=connect_timeout)
        config = h2.config.H2Configuration(client_side=True, validate_outbound_headers=False,
                                           normalize_outbound_headers=False, validate_inbound_headers=False,
                                           header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.local_settings = h2.settings.Settings(client=True, initial_values=settings or {})
        self.conn.initiate_connection()
        self.flush()
        self.events = []
        self.closed = False
        # The server's SETTINGS first: they change the HPACK table size, and an encoder that learns
        # of it mid-attack would start a CONTINUATION with a table update the server rightly rejects.
        self.pump(2, until=lambda events: any(isinstance(e, h2.events.RemoteSettingsChanged) for e in events))

    def headers(self, path, extra=(), timeout=None):
        base = [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", f"127.0.0.1:{self.port}"),
                ("content-type", "application/grpc"), ("te", "trailers")]
        if timeout is not None:
            base.append(("grpc-timeout", timeout))
        return base + list(extra)

    def request(self, path, body, extra=(), timeout=None):
        stream = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream, self.headers(path, extra, timeout))
        while True:
            # As much as the server's windows and frame size allow, then wait for WINDOW_UPDATEs.
            size = min(len(body), self.conn.local_flow_control_window(stream), self.conn.max_outbound_frame_size)
            last = size == len(body)
            self.conn.send_data(stream, body[:size], end_stream=last)
            self.flush()
            body = body[size:]
            if last:
                return stream
            if size == 0:
                self.pump(0.05)

    def healthy(self):
        """Whether this connection, if the server left it open, still answers a health Check."""
        if self.closed or self.goaway() is not None:
            return True
        stream = self.request(HEALTH_CHECK, grpc_frame(None))
        self.pump(5, until=lambda events: self.status(stream) is not None)
        return self.status(stream) == 0

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def raw(self, data):
        self.sock.sendall(data)

    def pump(self, seconds, until=None):
        """Reads and handles frames for up to `seconds`, or until `until(events)` holds or the peer closes."""
        end = time.monotonic() + seconds
        while not self.closed and time.monotonic() < end:
            if until is not None and until(self.events):
                return
            self.sock.settimeout(max(0.01, min(0.25, end - time.monotonic())))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                self.closed = True
                return
            if not data:
                self.closed = True
                return
            try:
                self.events += self.conn.receive_data(data)
            except h2.exceptions.ProtocolError as error:
                self.events.append(error)
                self.closed = True
                return
            try:
                self.flush()
            except (ConnectionResetError, BrokenPipeError):
                self.closed = True

    def goaway(self):
        return next((e for e in self.events if isinstance(e, h2.events.ConnectionTerminated)), None)

    def status(self, stream):
        """The grpc-status of a stream from its headers or trailers, "reset:CODE", or None."""
        for event in self.events:
            if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)) and event.stream_id == stream:
                for name, value in event.headers:
                    if name == b"grpc-status":
                        return int(value)
            if isinstance(event, h2.events.StreamReset) and event.stream_id == stream:
                return f"reset:{h2.errors.ErrorCodes(event.error_code).name}"
        return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", kind, flags, stream) + payload


def describe_end(peer):
    goaway = peer.goaway()
    if goaway is not None:
        return f"GOAWAY {h2.errors.ErrorCodes(goaway.error_code).name}"
    return "connection closed" if peer.closed else "connection open"


# Each case returns (passed, detail).

def case_rapid_reset(port):
    peer = Peer(port)
    sent = 0
    for _ in range(20_000):
        stream = peer.conn.get_next_available_stream_id()
        try:
            peer.conn.send_headers(stream, peer.headers(EVALUATE_UNARY))
            peer.conn.reset_stream(stream, h2.errors.ErrorCodes.CANCEL)
            peer.flush()
        except (ConnectionResetError, BrokenPipeError, h2.exceptions.ProtocolError):
            peer.closed = True
            break
        sent += 1
        if sent % 200 == 0:
            peer.pump(0.001)
            if peer.closed or peer.goaway():
                break
    peer.pump(0.5)
    healthy = peer.healthy()
    end = describe_end(peer)
    peer.close()
    # Each reset stream is dropped before its handler has work to do; Kestrel ends the connection
    # (ENHANCE_YOUR_CALM) only when streams pile up beyond MaxStreamsPerConnection. Either way the
    # connection is still usable or closed, never wedged.
    return healthy, f"{sent} streams opened and reset, then {end}" + (", a health Check on it OK" if end == "connection open" else "")


def case_continuation_flood(port):
    peer = Peer(port)
    encoder = peer.conn.encoder
    block = encoder.encode(peer.headers(EVALUATE_UNARY))
    peer.raw(frame(FRAME_HEADERS, 0, 1, block))
    sent = 0
    junk = encoder.encode([(f"x-flood-{i}", "v" * 200) for i in range(20)])
    try:
        for _ in range(20_000):
            peer.raw(frame(FRAME_CONTINUATION, 0, 1, junk))
            sent += len(junk)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        peer.closed = True
    peer.pump(3)
    end = describe_end(peer)
    peer.close()
    # The whole flood would be 100 MB of header block; the server must stop reading long before.
    return peer.goaway() is not None or peer.closed, f"{sent // 1024} KiB of CONTINUATION sent before the server ended it: {end}"


def case_header_list_over_limit(port):
    peer = Peer(port)
    stream = peer.request(HEALTH_CHECK, grpc_frame(None), extra=[(f"x-big-{i}", "v" * 4000) for i in range(40)])
    peer.pump(5, until=lambda events: peer.status(stream) is not None or any(isinstance(e, h2.events.ConnectionTerminated) for e in events))
    status, end = peer.status(stream), describe_end(peer)
    peer.close()
    # 160 KB of headers against Kestrel's 32 KiB MaxRequestHeadersTotalSize: refused, never dispatched.
    refused = status not in (0, None) or peer.goaway() is not None or peer.closed
    return refused, f"160 KB header list: stream {status}, {end}"


def case_malformed_grpc_timeout(port):
    details, passed = [], True
    for value in ("1", "-5S", "99999999999H", "1x"):
        peer = Peer(port)
        stream = peer.request(EVALUATE_UNARY, grpc_frame(small_request()), timeout=value)
        peer.pump(10, until=lambda events: peer.status(stream) is not None)
        status = peer.status(stream)
        peer.close()
        # grpc-dotnet ignores a timeout it cannot parse (logged), and caps a huge one: the call runs.
        passed &= status == 0
        details.append(f"{value!r} -> {status}")
    return passed, ", ".join(details)


def case_unknown_grpc_encoding(port):
    peer = Peer(port)
    body = grpc_frame(small_request(), compressed=True)
    stream = peer.request(EVALUATE_UNARY, body, extra=[("grpc-encoding", "snappy-x")])
    peer.pump(10, until=lambda events: peer.status(stream) is not None)
    status = peer.status(stream)
    peer.close()
    return status == 12, f"a message compressed with 'snappy-x': status {status} (UNIMPLEMENTED is 12)"


def case_invalid_metadata_keys(port):
    details, passed = [], True
    for key in ("Upper-Case", "bad key", "k\x01ctl", ""):
        peer = Peer(port)
        stream = peer.request(EVALUATE_UNARY, grpc_frame(small_request()), extra=[(key, "v")])
        peer.pump(5, until=lambda events: peer.status(stream) is not None or any(isinstance(e, h2.events.ConnectionTerminated) for e in events))
        status = peer.status(stream)
        ok_after = None
        if not peer.closed and peer.goaway() is None:
            # The connection must still serve a well-formed request after the bad one.
            good = peer.request(HEALTH_CHECK, grpc_frame(None))
            peer.pump(5, until=lambda events: peer.status(good) is not None)
            ok_after = peer.status(good)
        end = describe_end(peer)
        peer.close()
        # Kestrel ends the connection for what HPACK or RFC 9113 forbid outright (uppercase: PROTOCOL_ERROR,
        # an empty name: COMPRESSION_ERROR); other names that are not valid gRPC metadata keys are
        # passed over and the call is served. Never an UNKNOWN or INTERNAL, never a dead connection.
        refused = status == "reset:PROTOCOL_ERROR" or peer.goaway() is not None
        passed &= (refused or status == 0) and ok_after in (None, 0)
        details.append(f"{key!r} -> {status}, {end}" + (f", next request {ok_after}" if ok_after is not None else ""))
    return passed, "; ".join(details)


def case_slowloris_headers(port, connections=40, seconds=16, bound=14):
    peers = []
    for _ in range(connections):
        peer = Peer(port)
        peer.raw(frame(FRAME_HEADERS, 0, 1, peer.conn.encoder.encode(peer.headers(HEALTH_CHECK))))
        peers.append((peer, time.monotonic()))
    closed_after = []
    end = time.monotonic() + seconds
    position = 0
    while time.monotonic() < end and len(closed_after) < len(peers):
        # One more small, valid header field per connection per second, never the END_HEADERS.
        for peer, opened in peers:
            if peer.closed:
                continue
            try:
                peer.raw(frame(FRAME_CONTINUATION, 0, 1, peer.conn.encoder.encode([(f"x-slow-{position}", "v")])))
            except (ConnectionResetError, BrokenPipeError):
                peer.closed = True
            peer.pump(0.01)
            if peer.closed or peer.goaway():
                closed_after.append(time.monotonic() - opened)
                peer.closed = True
        position += 1
        time.sleep(max(0.0, 1.0 - 0.01 * connections))
    for peer, _ in peers:
        peer.close()
    longest = max(closed_after) if closed_after else None
    passed = len(closed_after) == len(peers) and longest <= bound
    return passed, (f"{len(closed_after)} of {connections} slow connections ended by the server, the last after "
                    f"{longest:.1f} s" if longest else f"none of {connections} slow connections was ended in {seconds} s")


def case_window_never_opens(port, deadline_s=3):
    # Stream and connection windows of zero from the start: the server may send no DATA at all.
    peer = Peer(port, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    peer.pump(1, until=lambda events: any(isinstance(e, h2.events.WindowUpdated) and e.stream_id == 0 for e in events))
    stream = peer.request(EVALUATE, grpc_frame(large_response_request()), timeout=f"{deadline_s}S")
    started = time.monotonic()
    peer.pump(deadline_s + 5, until=lambda events: peer.status(stream) is not None)
    status, took = peer.status(stream), time.monotonic() - started
    peer.close()
    # At the deadline grpc-dotnet completes the response and resets the stream (NO_ERROR).
    ended = status is not None and took <= deadline_s + 3
    return ended, f"200 MB response pending behind a zero window: stream {status} after {took:.1f} s (deadline {deadline_s} s)"


def flood(port, one_frame, count):
    """Sends `count` copies of a frame that asks for an answer, reading none; (closed, sent, how it ended)."""
    peer = Peer(port)
    sent = 0
    try:
        for _ in range(count // 100):
            peer.raw(one_frame * 100)
            sent += 100
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        peer.closed = True
    peer.pump(5)
    end = describe_end(peer)
    peer.close()
    return peer.closed, sent, end


def case_settings_flood(port, count=1_000_000):
    closed, sent, end = flood(port, frame(FRAME_SETTINGS, 0, 0, struct.pack(">HI", 0x3, 100)), count)
    # Unread ACKs pile up in the server's output queue until Kestrel aborts the connection.
    return closed, f"{sent} SETTINGS frames sent without reading an ACK: {end}"


def case_ping_flood(port, count=1_000_000):
    closed, sent, end = flood(port, frame(FRAME_PING, 0, 0, b"12345678"), count)
    # As with SETTINGS: Kestrel aborts a connection whose output queue of PING ACKs overflows.
    return closed, f"{sent} PINGs sent without reading a PONG: {end}"


CASES = {
    "rapid_reset": case_rapid_reset,
    "continuation_flood": case_continuation_flood,
    "header_list_over_limit": case_header_list_over_limit,
    "malformed_grpc_timeout": case_malformed_grpc_timeout,
    "unknown_grpc_encoding": case_unknown_grpc_encoding,
    "invalid_metadata_keys": case_invalid_metadata_keys,
    "slowloris_headers": case_slowloris_headers,
    "window_never_opens": case_window_never_opens,
    "settings_flood": case_settings_flood,
    "ping_flood": case_ping_flood,
}


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class RssWatch(threading.Thread):
    """The server's peak resident memory while a case runs, sampled every 50 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, rss(pid), threading.Event()

    def run(self):
        while not self.stopped.wait(0.05):
            self.peak = max(self.peak, rss(self.pid))


def start_probe(port):
    """The probe, once its first call has been answered."""
    probe = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--probe", "--port", str(port)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    probe.stdout.readline()
    return probe


def stop_probe(probe):
    out, _ = probe.communicate(input="", timeout=30)
    return json.loads(out.strip().splitlines()[-1])


def run_probe(port):
    """Small calls back to back, a health Check and an EvaluateUnary by turns, until stdin closes."""
    import grpc
    from graphgrpc.v1 import evaluator_pb2_grpc

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    # An empty HealthCheckRequest is zero bytes: no health stubs needed.
    health = channel.unary_unary(HEALTH_CHECK, request_serializer=bytes, response_deserializer=bytes)
    evaluator = evaluator_pb2_grpc.GraphEvaluatorStub(channel)
    request, latencies, failures = small_request(), [], []
    health(b"", timeout=10)
    print("ready", flush=True)
    while not stop.is_set():
        started = time.perf_counter()
        try:
            if len(latencies) % 2:
                evaluator.EvaluateUnary(request, timeout=10)
            else:
                health(b"", timeout=10)
            latencies.append((time.perf_counter() - started) * 1000)
        except grpc.RpcError as error:
            failures.append(f"{error.code().name}: {error.details()}")
        time.sleep(0.005)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float("nan")
    print(json.dumps({"calls": len(latencies), "p99_ms": p99, "max_ms": latencies[-1] if latencies else None,
                      "failures": failures[:3], "failure_count": len(failures)}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--probe", action="store_true")
    args = parser.parse_args()
    if args.probe:
        run_probe(args.port)
        return 0

    probe = start_probe(args.port)
    time.sleep(3)
    rest = stop_probe(probe)
    print(f"probe at rest: {rest['calls']} calls, p99 {rest['p99_ms']:.2f} ms, failures {rest['failure_count']}", flush=True)
    bound_ms = max(LATENCY_FACTOR * rest["p99_ms"], rest["p99_ms"] + LATENCY_SLACK_MS)
    failed = 0
    for name in args.cases.split(","):
        watch = RssWatch(args.pid) if args.pid else None
        before = rss(args.pid) if args.pid else 0
        if watch:
            watch.start()
        probe = start_probe(args.port)
        started, rounds = time.monotonic(), 0
        # A quick attack is repeated, so that it lasts long enough for the probe to measure beside it.
        while True:
            rounds += 1
            try:
                passed, detail = CASES[name](args.port)
            except Exception as error:  # a case that breaks is a failure with its reason, not a crash of the suite
                passed, detail = False, f"the case raised {type(error).__name__}: {error}"
            took = time.monotonic() - started
            if not passed or took >= MIN_CASE_SECONDS or rounds >= MAX_ROUNDS:
                break
        detail = f"{detail} (the last of {rounds} rounds)" if rounds > 1 else detail
        beside = stop_probe(probe)
        growth = 0
        if watch:
            watch.stopped.set()
            watch.join()
            growth = watch.peak - before
        reasons = []
        if not passed:
            reasons.append("unexpected outcome")
        if beside["failure_count"]:
            reasons.append(f"{beside['failure_count']} probe calls failed ({'; '.join(beside['failures'])})")
        if beside["calls"] and beside["p99_ms"] > bound_ms:
            reasons.append(f"probe p99 {beside['p99_ms']:.1f} ms over {bound_ms:.1f} ms")
        if growth > RSS_BOUND:
            reasons.append(f"RSS grew {growth / 2**20:.0f} MiB")
        figures = (f"{detail}; {took:.1f} s; probe {beside['calls']} calls p99 {beside['p99_ms']:.2f} ms "
                   f"(rest {rest['p99_ms']:.2f}); RSS peak +{growth / 2**20:.0f} MiB")
        if reasons:
            failed += 1
            print(f"FAIL {name}: {', '.join(reasons)}: {figures}", flush=True)
        else:
            print(f"PASS {name}: {figures}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
