"""The cases, one method each, named as the xunit side names them. A case raises on the first
thing the server got wrong."""
import math
import queue

import grpc

import graphs

SERVICE = "graphgrpc.v1.GraphEvaluator"
LARGE_LIMIT = 64 * 1024 * 1024
TIMEOUT = 20


# Every case, by the name the xunit side asks for; each is a method of Cases.
NAMES = ("validate", "evaluate_unary", "evaluate_stream", "evaluate_batch", "deadline_exceeded", "cancel_evaluate_stream",
         "cancel_batch_stream", "status_details", "large_request", "large_response", "gzip_unary", "gzip_batch",
         "health_check", "health_watch")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def check_close(actual, expected, what):
    check(math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12), f"{what} = {actual!r}, expected {expected!r}")


def expect_status(code, call):
    """Runs call, which must fail with code; returns the error."""
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, f"expected {code}, got {error.code()}: {error.details()!r}")
        return error
    raise Failure(f"expected {code}, but the call succeeded")


class Pipe:
    """A request iterator fed one message at a time, so a bidirectional call can go back and forth."""

    def __init__(self):
        self._queue = queue.Queue()

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is None:
            raise StopIteration()
        return item

    def send(self, item):
        self._queue.put(item)

    def close(self):
        self._queue.put(None)


class Cases:
    def __init__(self, stubs, repo_root, address):
        self.pb = stubs.evaluator
        self.tensor = stubs.graph.Tensor
        self.status_pb = stubs.status
        self.health_pb = stubs.health
        self.graphs = graphs.Graphs(stubs, repo_root)
        self.channel = grpc.insecure_channel(address)
        self.large_channel = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", LARGE_LIMIT)])
        self.stub = stubs.evaluator_grpc.GraphEvaluatorStub(self.channel)
        self.large_stub = stubs.evaluator_grpc.GraphEvaluatorStub(self.large_channel)
        self.health = stubs.health_grpc.HealthStub(self.channel)

    def close(self):
        self.channel.close()
        self.large_channel.close()

    def selection(self, *node_ids):
        """Only the listed nodes; none when no node is listed."""
        mode = self.pb.NodeSelection.MODE_LISTED if node_ids else self.pb.NodeSelection.MODE_NONE
        return self.pb.NodeSelection(mode=mode, node_ids=node_ids)

    def check_still_serving(self):
        """After a call that ended early, the next call gets the right answer."""
        response = self.stub.EvaluateUnary(self.pb.EvaluateRequest(graph=self.graphs.seed("seed003-squared-error")), timeout=TIMEOUT)
        values = {v.node_id: list(v.value.values) for v in response.values}
        check(values["L"] == [graphs.SEED003_VALUE], f"after the early end, L = {values['L']}")

    def validate(self):
        graph = self.graphs.seed("seed000-gradient-flow")
        response = self.stub.Validate(self.pb.ValidateRequest(graph=graph), timeout=TIMEOUT)
        check(response.valid and not response.problems, f"seed 000 is not valid: {response.problems}")
        position = {node_id: i for i, node_id in enumerate(response.order)}
        check(sorted(position) == sorted(n.id for n in graph.nodes) and len(position) == len(response.order),
              f"the order is not every node once: {list(response.order)}")
        for node in graph.nodes:
            for operand in node.inputs:
                check(position[operand] < position[node.id], f"{node.id} comes before its input {operand}")
        response = self.stub.Validate(self.pb.ValidateRequest(graph=self.graphs.invalid()), timeout=TIMEOUT)
        check(not response.valid and not response.order, "the invalid graph was found valid")
        self.check_problems(response.problems)

    def check_problems(self, problems):
        found = [(p.node_id, self.pb.ProblemKind.Name(p.kind), p.message) for p in problems]
        check(found == graphs.INVALID_GRAPH_PROBLEMS, f"problems {found}")

    def evaluate_unary(self):
        response = self.stub.EvaluateUnary(self.pb.EvaluateRequest(graph=self.graphs.seed("seed002-log-expression")), timeout=TIMEOUT)
        values = {v.node_id: list(v.value.values) for v in response.values}
        check(len(values["z"]) == 1, f"z = {values['z']}")
        check_close(values["z"][0], graphs.SEED002_VALUE, "z")
        gradients = {g.node_id: list(g.gradient.values) for g in response.gradients}
        for node, expected in graphs.SEED002_GRADIENTS.items():
            check_close(gradients[node][0], expected, f"dz/d{node}")
        check(response.summary.node_count == 10, f"summary node count {response.summary.node_count}")

    def evaluate_stream(self):
        graph = self.graphs.seed("seed000-gradient-flow")
        events = list(self.stub.Evaluate(self.pb.EvaluateRequest(graph=graph), timeout=TIMEOUT))
        kinds = [e.WhichOneof("event") for e in events]
        check(kinds[-1] == "summary" and kinds.count("summary") == 1, f"the summary is not last and alone: {kinds}")
        check(kinds == sorted(kinds, key=["value", "gradient", "trace", "summary"].index), f"events out of order: {kinds}")
        values = [(e.value.node_id, list(e.value.value.values)) for e in events if e.HasField("value")]
        gradients = [(e.gradient.node_id, list(e.gradient.gradient.values)) for e in events if e.HasField("gradient")]
        check(dict(values) == {k: [v] for k, v in graphs.SEED000_VALUES.items()}, f"values {values}")
        check(dict(gradients) == {k: [v] for k, v in graphs.SEED000_GRADIENTS.items()}, f"gradients {gradients}")
        position = {node_id: i for i, (node_id, _) in enumerate(values)}
        for node in graph.nodes:
            for operand in node.inputs:
                check(position[operand] < position[node.id], f"the value of {node.id} came before its input {operand}")
        gradient_order = [node_id for node_id, _ in gradients]
        check(gradient_order == sorted(gradient_order, key=position.get, reverse=True),
              f"gradients are not in reverse topological order: {gradient_order}")
        check(events[-1].summary.node_count == len(graph.nodes), f"summary {events[-1].summary}")

    def batch_chunk(self, sequence, x):
        return self.pb.EvaluateBatchRequest(chunk=self.pb.BatchChunk(sequence=sequence, columns={"x": self.tensor(shape=[len(x)], values=x)}))

    def batch_start(self):
        return self.pb.EvaluateBatchRequest(start=self.pb.BatchStart(graph=self.graphs.seed("seed003-squared-error"), batch_inputs=["x"]))

    def check_batch_result(self, result, sequence, x):
        expected = graphs.batch_answers(x)
        check(result.sequence == sequence, f"result {result.sequence} answers chunk {sequence}")
        check(list(result.outputs["L"].shape) == [len(x)] and list(result.outputs["L"].values) == expected["L"],
              f"chunk {sequence}: L = {result.outputs['L']}")
        check(list(result.gradients["x"].values) == expected["x"], f"chunk {sequence}: dL/dx = {result.gradients['x']}")
        for shared in ("w", "b", "y"):
            check(list(result.gradients[shared].values) == [expected[shared]], f"chunk {sequence}: dL/d{shared} = {result.gradients[shared]}")

    def evaluate_batch(self, compression=None):
        """Three chunks of four points, each answered before the next is sent."""
        pipe = Pipe()
        responses = self.stub.EvaluateBatch(pipe, timeout=TIMEOUT, compression=compression)
        pipe.send(self.batch_start())
        ready = next(responses)
        check(ready.HasField("ready") and ready.ready.plan_hash, f"first response {ready}")
        points = []
        for sequence in range(3):
            x = [float(4 * sequence + i) for i in range(4)]
            points += x
            pipe.send(self.batch_chunk(sequence, x))
            response = next(responses)
            check(response.HasField("result"), f"response to chunk {sequence}: {response}")
            self.check_batch_result(response.result, sequence, x)
        pipe.close()
        summary = next(responses)
        check(summary.HasField("summary"), f"last response {summary}")
        check(summary.summary.points == 12 and summary.summary.chunks == 3, f"summary {summary.summary}")
        expected = graphs.batch_answers(points)
        for shared in ("w", "b", "y"):
            check(list(summary.summary.summed_gradients[shared].values) == [expected[shared]],
                  f"summed dL/d{shared} = {summary.summary.summed_gradients[shared]}")
        check(next(responses, None) is None, "a response came after the summary")

    def deadline_exceeded(self):
        """A batch stream whose client stops sending ends at its deadline, and the server serves on."""
        pipe = Pipe()
        # Long enough for BatchReady to arrive first on a busy machine.
        responses = self.stub.EvaluateBatch(pipe, timeout=2)
        pipe.send(self.batch_start())
        check(next(responses).HasField("ready"), "no BatchReady")
        expect_status(grpc.StatusCode.DEADLINE_EXCEEDED, lambda: next(responses))
        pipe.close()
        self.check_still_serving()

    def cancel_evaluate_stream(self):
        responses = self.stub.Evaluate(self.pb.EvaluateRequest(graph=self.graphs.chain()), timeout=TIMEOUT)
        first = next(responses)
        check(first.HasField("value") and first.value.node_id == "n0", f"first event {first}")
        responses.cancel()
        expect_status(grpc.StatusCode.CANCELLED, lambda: list(responses))
        self.check_still_serving()

    def cancel_batch_stream(self):
        pipe = Pipe()
        responses = self.stub.EvaluateBatch(pipe, timeout=TIMEOUT)
        pipe.send(self.batch_start())
        check(next(responses).HasField("ready"), "no BatchReady")
        pipe.send(self.batch_chunk(0, [1.0, 2.0]))
        self.check_batch_result(next(responses).result, 0, [1.0, 2.0])
        responses.cancel()
        expect_status(grpc.StatusCode.CANCELLED, lambda: next(responses))
        pipe.close()
        self.check_still_serving()

    def status_details(self):
        request = self.pb.EvaluateRequest(graph=self.graphs.invalid())
        for method, call in (("EvaluateUnary", lambda: self.stub.EvaluateUnary(request, timeout=TIMEOUT)),
                             ("Evaluate", lambda: list(self.stub.Evaluate(request, timeout=TIMEOUT)))):
            error = expect_status(grpc.StatusCode.INVALID_ARGUMENT, call)
            details = dict(error.trailing_metadata()).get("grpc-status-details-bin")
            check(details is not None, f"{method}: no grpc-status-details-bin trailer")
            status = self.status_pb.Status.FromString(details)
            check(status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0], f"{method}: details code {status.code}")
            check(len(status.details) == 1, f"{method}: {len(status.details)} details")
            failure = self.pb.ValidationFailure()
            check(status.details[0].Unpack(failure), f"{method}: the detail is {status.details[0].type_url}")
            self.check_problems(failure.problems)

    def large_request_evaluation(self, compression=None):
        request = self.pb.EvaluateRequest(graph=self.graphs.large_leaf_sum(), values=self.selection("t"), gradients=self.selection())
        check(request.ByteSize() > 4 * 1024 * 1024, f"the request is only {request.ByteSize()} bytes")
        response = self.stub.EvaluateUnary(request, timeout=TIMEOUT, compression=compression)
        n = graphs.LARGE_ELEMENTS
        check([(v.node_id, list(v.value.values)) for v in response.values] == [("t", [n * (n - 1) / 2])], f"values {response.values}")

    def large_request(self):
        self.large_request_evaluation()

    def large_response(self):
        side = graphs.SIDE
        request = self.pb.EvaluateRequest(graph=self.graphs.outer_sum(), values=self.selection("s"), gradients=self.selection("a", "b"))
        # The default 4 MiB receive limit refuses the answer, which shows it is larger.
        expect_status(grpc.StatusCode.RESOURCE_EXHAUSTED, lambda: self.stub.EvaluateUnary(request, timeout=TIMEOUT))
        response = self.large_stub.EvaluateUnary(request, timeout=TIMEOUT)
        check(len(response.values) == 1 and response.values[0].node_id == "s", f"{len(response.values)} values")
        s = response.values[0].value
        check(list(s.shape) == [side, side], f"s has shape {list(s.shape)}")
        check(list(s.values) == [i + side * j for i in range(side) for j in range(side)], "s is not a[i] + b[j]")
        gradients = {g.node_id: g.gradient for g in response.gradients}
        check(list(gradients["a"].values) == [side] * side and list(gradients["b"].values) == [side] * side,
              "dt/da and dt/db are not all SIDE")

    def gzip_unary(self):
        self.large_request_evaluation(compression=grpc.Compression.Gzip)

    def gzip_batch(self):
        self.evaluate_batch(compression=grpc.Compression.Gzip)

    def health_check(self):
        serving = self.health_pb.HealthCheckResponse.SERVING
        for service in ("", SERVICE):
            response = self.health.Check(self.health_pb.HealthCheckRequest(service=service), timeout=TIMEOUT)
            check(response.status == serving, f"service {service!r} is {response.status}")
        expect_status(grpc.StatusCode.NOT_FOUND,
                      lambda: self.health.Check(self.health_pb.HealthCheckRequest(service="no.such.Service"), timeout=TIMEOUT))

    def health_watch(self):
        statuses = self.health_pb.HealthCheckResponse
        for service, expected in ((SERVICE, statuses.SERVING), ("no.such.Service", statuses.SERVICE_UNKNOWN)):
            responses = self.health.Watch(self.health_pb.HealthCheckRequest(service=service), timeout=TIMEOUT)
            first = next(responses)
            responses.cancel()
            check(first.status == expected, f"{service} watched as {statuses.ServingStatus.Name(first.status)}")
