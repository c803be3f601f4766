package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sort"
	"time"

	"github.com/golang/protobuf/proto"
	"github.com/golang/protobuf/ptypes"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	pb "graphgrpc/v1"
)

const (
	service    = "graphgrpc.v1.GraphEvaluator"
	largeLimit = 64 << 20
)

type cases struct {
	repoRoot  string
	evaluator pb.GraphEvaluatorClient
	health    healthpb.HealthClient
}

// byName lists every case by the name the xunit side asks for.
func (c *cases) byName() map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"validate":               c.validate,
		"evaluate_unary":         c.evaluateUnary,
		"evaluate_stream":        c.evaluateStream,
		"evaluate_batch":         func(ctx context.Context) error { return c.evaluateBatch(ctx) },
		"deadline_exceeded":      c.deadlineExceeded,
		"cancel_evaluate_stream": c.cancelEvaluateStream,
		"cancel_batch_stream":    c.cancelBatchStream,
		"status_details":         c.statusDetails,
		"large_request":          func(ctx context.Context) error { return c.largeRequest(ctx) },
		"large_response":         c.largeResponse,
		"gzip_unary":             func(ctx context.Context) error { return c.largeRequest(ctx, grpc.UseCompressor(gzip.Name)) },
		"gzip_batch":             func(ctx context.Context) error { return c.evaluateBatch(ctx, grpc.UseCompressor(gzip.Name)) },
		"health_check":           c.healthCheck,
		"health_watch":           c.healthWatch,
	}
}

func listed(nodeIds ...string) *pb.NodeSelection {
	if len(nodeIds) == 0 {
		return &pb.NodeSelection{Mode: pb.NodeSelection_MODE_NONE}
	}
	return &pb.NodeSelection{Mode: pb.NodeSelection_MODE_LISTED, NodeIds: nodeIds}
}

// checkStillServing checks that after a call that ended early, the next call gets the right answer.
func (c *cases) checkStillServing(ctx context.Context) error {
	graph, err := seedGraph(c.repoRoot, "seed003-squared-error")
	if err != nil {
		return err
	}
	response, err := c.evaluator.EvaluateUnary(ctx, &pb.EvaluateRequest{Graph: graph})
	if err != nil {
		return fmt.Errorf("after the early end: %v", err)
	}
	for _, v := range response.Values {
		if v.NodeId == "L" {
			return checkEqual(v.Value.Values, []float64{seed003Value}, "after the early end, L")
		}
	}
	return fmt.Errorf("after the early end, no value of L")
}

// checkTopological checks that position puts every node after its inputs.
func checkTopological(graph *pb.Graph, position map[string]int, what string) error {
	for _, node := range graph.Nodes {
		for _, operand := range node.Inputs {
			if position[operand] >= position[node.Id] {
				return fmt.Errorf("%s: %s comes before its input %s", what, node.Id, operand)
			}
		}
	}
	return nil
}

func checkProblems(problems []*pb.Problem) error {
	var found [][3]string
	for _, p := range problems {
		found = append(found, [3]string{p.NodeId, p.Kind.String(), p.Message})
	}
	return checkEqual(found, invalidGraphProblems, "problems")
}

func (c *cases) validate(ctx context.Context) error {
	graph, err := seedGraph(c.repoRoot, "seed000-gradient-flow")
	if err != nil {
		return err
	}
	response, err := c.evaluator.Validate(ctx, &pb.ValidateRequest{Graph: graph})
	if err != nil {
		return err
	}
	if !response.Valid || len(response.Problems) > 0 {
		return fmt.Errorf("seed 000 is not valid: %v", response.Problems)
	}
	position := map[string]int{}
	for i, id := range response.Order {
		position[id] = i
	}
	if len(position) != len(graph.Nodes) || len(response.Order) != len(graph.Nodes) {
		return fmt.Errorf("the order is not every node once: %v", response.Order)
	}
	if err := checkTopological(graph, position, "order"); err != nil {
		return err
	}
	response, err = c.evaluator.Validate(ctx, &pb.ValidateRequest{Graph: invalidGraph()})
	if err != nil {
		return err
	}
	if response.Valid || len(response.Order) > 0 {
		return fmt.Errorf("the invalid graph was found valid")
	}
	return checkProblems(response.Problems)
}

func (c *cases) evaluateUnary(ctx context.Context) error {
	graph, err := seedGraph(c.repoRoot, "seed002-log-expression")
	if err != nil {
		return err
	}
	response, err := c.evaluator.EvaluateUnary(ctx, &pb.EvaluateRequest{Graph: graph})
	if err != nil {
		return err
	}
	values, gradients := map[string][]float64{}, map[string][]float64{}
	for _, v := range response.Values {
		values[v.NodeId] = v.Value.Values
	}
	for _, g := range response.Gradients {
		gradients[g.NodeId] = g.Gradient.Values
	}
	if len(values["z"]) != 1 || len(gradients["x"]) != 1 || len(gradients["y"]) != 1 {
		return fmt.Errorf("z = %v, dz/dx = %v, dz/dy = %v", values["z"], gradients["x"], gradients["y"])
	}
	return firstError(
		checkClose(values["z"][0], seed002Value, "z"),
		checkClose(gradients["x"][0], seed002Gradients["x"], "dz/dx"),
		checkClose(gradients["y"][0], seed002Gradients["y"], "dz/dy"),
		checkEqual(response.Summary.GetNodeCount(), int32(10), "summary node count"))
}

func (c *cases) evaluateStream(ctx context.Context) error {
	graph, err := seedGraph(c.repoRoot, "seed000-gradient-flow")
	if err != nil {
		return err
	}
	stream, err := c.evaluator.Evaluate(ctx, &pb.EvaluateRequest{Graph: graph})
	if err != nil {
		return err
	}
	values, gradients := map[string]float64{}, map[string]float64{}
	position := map[string]int{}
	var gradientOrder []string
	var summary *pb.EvaluationSummary
	for {
		event, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if summary != nil {
			return fmt.Errorf("an event came after the summary")
		}
		switch e := event.Event.(type) {
		case *pb.EvaluateEvent_Value:
			if len(gradientOrder) > 0 {
				return fmt.Errorf("the value of %s came after a gradient", e.Value.NodeId)
			}
			position[e.Value.NodeId] = len(position)
			values[e.Value.NodeId] = e.Value.Value.Values[0]
		case *pb.EvaluateEvent_Gradient:
			gradientOrder = append(gradientOrder, e.Gradient.NodeId)
			gradients[e.Gradient.NodeId] = e.Gradient.Gradient.Values[0]
		case *pb.EvaluateEvent_Summary:
			summary = e.Summary
		}
	}
	if summary == nil || summary.NodeCount != int32(len(graph.Nodes)) {
		return fmt.Errorf("summary %v", summary)
	}
	reversed := sort.SliceIsSorted(gradientOrder, func(i, j int) bool { return position[gradientOrder[i]] > position[gradientOrder[j]] })
	return firstError(
		checkEqual(values, seed000Values, "values"),
		checkEqual(gradients, seed000Gradients, "gradients"),
		checkTopological(graph, position, "values"),
		check(reversed, "gradients are not in reverse topological order: %v", gradientOrder))
}

func (c *cases) batchStart() (*pb.EvaluateBatchRequest, error) {
	graph, err := seedGraph(c.repoRoot, "seed003-squared-error")
	if err != nil {
		return nil, err
	}
	return &pb.EvaluateBatchRequest{Message: &pb.EvaluateBatchRequest_Start{Start: &pb.BatchStart{
		Plan: &pb.BatchStart_Graph{Graph: graph}, BatchInputs: []string{"x"}}}}, nil
}

func batchChunk(sequence int64, x []float64) *pb.EvaluateBatchRequest {
	return &pb.EvaluateBatchRequest{Message: &pb.EvaluateBatchRequest_Chunk{Chunk: &pb.BatchChunk{
		Sequence: sequence, Columns: map[string]*pb.Tensor{"x": {Shape: []int64{int64(len(x))}, Values: x}}}}}
}

// openBatch starts a batch stream and reads its BatchReady.
func (c *cases) openBatch(ctx context.Context, options ...grpc.CallOption) (pb.GraphEvaluator_EvaluateBatchClient, error) {
	start, err := c.batchStart()
	if err != nil {
		return nil, err
	}
	stream, err := c.evaluator.EvaluateBatch(ctx, options...)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(start); err != nil {
		return nil, err
	}
	ready, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	if ready.GetReady().GetPlanHash() == "" {
		return nil, fmt.Errorf("first response %v", ready)
	}
	return stream, nil
}

// sendChunk sends one chunk and checks its result.
func sendChunk(stream pb.GraphEvaluator_EvaluateBatchClient, sequence int64, x []float64) error {
	if err := stream.Send(batchChunk(sequence, x)); err != nil {
		return err
	}
	response, err := stream.Recv()
	if err != nil {
		return err
	}
	result := response.GetResult()
	if result == nil {
		return fmt.Errorf("response to chunk %d: %v", sequence, response)
	}
	expected := answersAt(x)
	what := fmt.Sprintf("chunk %d: ", sequence)
	return firstError(
		checkEqual(result.Sequence, sequence, what+"sequence"),
		checkEqual(result.Outputs["L"].GetShape(), []int64{int64(len(x))}, what+"shape of L"),
		checkEqual(result.Outputs["L"].GetValues(), expected.L, what+"L"),
		checkEqual(result.Gradients["x"].GetValues(), expected.X, what+"dL/dx"),
		checkEqual(result.Gradients["w"].GetValues(), []float64{expected.W}, what+"dL/dw"),
		checkEqual(result.Gradients["b"].GetValues(), []float64{expected.B}, what+"dL/db"),
		checkEqual(result.Gradients["y"].GetValues(), []float64{expected.Y}, what+"dL/dy"))
}

// evaluateBatch sends three chunks of four points, each answered before the next is sent.
func (c *cases) evaluateBatch(ctx context.Context, options ...grpc.CallOption) error {
	stream, err := c.openBatch(ctx, options...)
	if err != nil {
		return err
	}
	var points []float64
	for sequence := int64(0); sequence < 3; sequence++ {
		x := []float64{float64(4 * sequence), float64(4*sequence + 1), float64(4*sequence + 2), float64(4*sequence + 3)}
		points = append(points, x...)
		if err := sendChunk(stream, sequence, x); err != nil {
			return err
		}
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	response, err := stream.Recv()
	if err != nil {
		return err
	}
	summary := response.GetSummary()
	if summary == nil || summary.Points != 12 || summary.Chunks != 3 {
		return fmt.Errorf("last response %v", response)
	}
	expected := answersAt(points)
	if err := firstError(
		checkEqual(summary.SummedGradients["w"].GetValues(), []float64{expected.W}, "summed dL/dw"),
		checkEqual(summary.SummedGradients["b"].GetValues(), []float64{expected.B}, "summed dL/db"),
		checkEqual(summary.SummedGradients["y"].GetValues(), []float64{expected.Y}, "summed dL/dy")); err != nil {
		return err
	}
	_, err = stream.Recv()
	return check(err == io.EOF, "after the summary: %v", err)
}

// deadlineExceeded checks that a batch stream whose client stops sending ends at its deadline, and
// that the server serves on.
func (c *cases) deadlineExceeded(ctx context.Context) error {
	// Long enough for BatchReady to arrive first on a busy machine.
	shortCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	stream, err := c.openBatch(shortCtx)
	if err != nil {
		return err
	}
	_, err = stream.Recv()
	if err := expectCode(err, codes.DeadlineExceeded); err != nil {
		return err
	}
	return c.checkStillServing(ctx)
}

// recvUntilError reads a stream to its error, which must come within limit messages.
func recvUntilError(recv func() error, limit int) error {
	for i := 0; i < limit; i++ {
		if err := recv(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%d messages and no error", limit)
}

func (c *cases) cancelEvaluateStream(ctx context.Context) error {
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.evaluator.Evaluate(streamCtx, &pb.EvaluateRequest{Graph: chain()})
	if err != nil {
		return err
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	if first.GetValue().GetNodeId() != "n0" {
		return fmt.Errorf("first event %v", first)
	}
	cancel()
	err = recvUntilError(func() error { _, err := stream.Recv(); return err }, 2*chainLength+2)
	if err := expectCode(err, codes.Canceled); err != nil {
		return err
	}
	return c.checkStillServing(ctx)
}

func (c *cases) cancelBatchStream(ctx context.Context) error {
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.openBatch(streamCtx)
	if err != nil {
		return err
	}
	if err := sendChunk(stream, 0, []float64{1, 2}); err != nil {
		return err
	}
	cancel()
	_, err = stream.Recv()
	if err := expectCode(err, codes.Canceled); err != nil {
		return err
	}
	return c.checkStillServing(ctx)
}

// checkStatusDetails checks the google.rpc.Status (genproto's) that grpc-go decoded from the
// grpc-status-details-bin trailer; grpc-go keeps that trailer out of the call's metadata.
func checkStatusDetails(method string, err error) error {
	if err := expectCode(err, codes.InvalidArgument); err != nil {
		return fmt.Errorf("%s: %v", method, err)
	}
	var details *spb.Status = status.Convert(err).Proto()
	if details.Code != int32(codes.InvalidArgument) || len(details.Details) != 1 {
		return fmt.Errorf("%s: no status details, or not one: %v", method, details)
	}
	failure := &pb.ValidationFailure{}
	if err := ptypes.UnmarshalAny(details.Details[0], failure); err != nil {
		return fmt.Errorf("%s: the detail is %s: %v", method, details.Details[0].TypeUrl, err)
	}
	return checkProblems(failure.Problems)
}

func (c *cases) statusDetails(ctx context.Context) error {
	request := &pb.EvaluateRequest{Graph: invalidGraph()}
	_, err := c.evaluator.EvaluateUnary(ctx, request)
	if err := checkStatusDetails("EvaluateUnary", err); err != nil {
		return err
	}
	stream, err := c.evaluator.Evaluate(ctx, request)
	if err != nil {
		return err
	}
	_, err = stream.Recv()
	return checkStatusDetails("Evaluate", err)
}

func (c *cases) largeRequest(ctx context.Context, options ...grpc.CallOption) error {
	request := &pb.EvaluateRequest{Graph: largeLeafSum(), Values: listed("t"), Gradients: listed()}
	if size := proto.Size(request); size <= 4<<20 {
		return fmt.Errorf("the request is only %d bytes", size)
	}
	response, err := c.evaluator.EvaluateUnary(ctx, request, options...)
	if err != nil {
		return err
	}
	if len(response.Values) != 1 || response.Values[0].NodeId != "t" {
		return fmt.Errorf("values %v", response.Values)
	}
	return checkEqual(response.Values[0].Value.Values, []float64{largeElements * (largeElements - 1) / 2}, "t")
}

func (c *cases) largeResponse(ctx context.Context) error {
	request := &pb.EvaluateRequest{Graph: outerSum(), Values: listed("s"), Gradients: listed("a", "b")}
	// The default 4 MiB receive limit refuses the answer, which shows it is larger.
	_, err := c.evaluator.EvaluateUnary(ctx, request)
	if err := expectCode(err, codes.ResourceExhausted); err != nil {
		return fmt.Errorf("with the default receive limit: %v", err)
	}
	response, err := c.evaluator.EvaluateUnary(ctx, request, grpc.MaxCallRecvMsgSize(largeLimit))
	if err != nil {
		return err
	}
	if len(response.Values) != 1 || response.Values[0].NodeId != "s" {
		return fmt.Errorf("%d values", len(response.Values))
	}
	s := response.Values[0].Value
	expected := make([]float64, 0, side*side)
	for i := 0; i < side; i++ {
		for j := 0; j < side; j++ {
			expected = append(expected, float64(i+side*j))
		}
	}
	sides := make([]float64, side)
	for i := range sides {
		sides[i] = side
	}
	gradients := map[string][]float64{}
	for _, g := range response.Gradients {
		gradients[g.NodeId] = g.Gradient.Values
	}
	return firstError(
		checkEqual(s.Shape, []int64{side, side}, "shape of s"),
		check(reflect.DeepEqual(s.Values, expected), "s is not a[i] + b[j]"),
		check(reflect.DeepEqual(gradients["a"], sides) && reflect.DeepEqual(gradients["b"], sides), "dt/da and dt/db are not all %d", side))
}

func (c *cases) healthCheck(ctx context.Context) error {
	for _, name := range []string{"", service} {
		response, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: name})
		if err != nil {
			return fmt.Errorf("service %q: %v", name, err)
		}
		if response.Status != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("service %q is %v", name, response.Status)
		}
	}
	_, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: "no.such.Service"})
	return expectCode(err, codes.NotFound)
}

func (c *cases) healthWatch(ctx context.Context) error {
	expected := map[string]healthpb.HealthCheckResponse_ServingStatus{
		service:           healthpb.HealthCheckResponse_SERVING,
		"no.such.Service": healthpb.HealthCheckResponse_SERVICE_UNKNOWN,
	}
	for name, status := range expected {
		watchCtx, cancel := context.WithCancel(ctx)
		stream, err := c.health.Watch(watchCtx, &healthpb.HealthCheckRequest{Service: name})
		if err != nil {
			cancel()
			return err
		}
		first, err := stream.Recv()
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if first.Status != status {
			return fmt.Errorf("%s watched as %v", name, first.Status)
		}
	}
	return nil
}
