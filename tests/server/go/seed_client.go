// Command seed_client runs GraphEvaluator end to end with grpc-go against 127.0.0.1:PORT:
// seed 003's loss L = (x*w + b - y)^2 at x=2, w=3, b=1, y=5 over the stream and unary, and an
// invalid graph whose problems it decodes from the status details. It prints "PASS name" or
// "FAIL name: reason" per case and exits 1 if any case failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/golang/protobuf/jsonpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "graphgrpc/v1"
)

func seed003(repoRoot string) (*pb.EvaluateRequest, error) {
	file, err := os.Open(filepath.Join(repoRoot, "src/GraphGrpc.Cli/examples/seed003-squared-error.json"))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	graph := &pb.Graph{}
	if err := jsonpb.Unmarshal(file, graph); err != nil {
		return nil, err
	}
	return &pb.EvaluateRequest{Graph: graph}, nil
}

func checkSeed003(values, gradients map[string][]float64) error {
	if !reflect.DeepEqual(values["L"], []float64{4}) {
		return fmt.Errorf("L = %v, expected 4", values["L"])
	}
	expected := map[string]float64{"x": 12, "w": 8, "b": 4, "y": -4}
	for node, gradient := range expected {
		if !reflect.DeepEqual(gradients[node], []float64{gradient}) {
			return fmt.Errorf("dL/d%s = %v, expected %v", node, gradients[node], gradient)
		}
	}
	return nil
}

func evaluateStream(ctx context.Context, client pb.GraphEvaluatorClient, repoRoot string) error {
	request, err := seed003(repoRoot)
	if err != nil {
		return err
	}
	stream, err := client.Evaluate(ctx, request)
	if err != nil {
		return err
	}
	values, gradients := map[string][]float64{}, map[string][]float64{}
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
			values[e.Value.NodeId] = e.Value.Value.Values
		case *pb.EvaluateEvent_Gradient:
			gradients[e.Gradient.NodeId] = e.Gradient.Gradient.Values
		case *pb.EvaluateEvent_Summary:
			summary = e.Summary
		}
	}
	if summary == nil || summary.NodeCount != 8 {
		return fmt.Errorf("summary %v", summary)
	}
	return checkSeed003(values, gradients)
}

func evaluateUnary(ctx context.Context, client pb.GraphEvaluatorClient, repoRoot string) error {
	request, err := seed003(repoRoot)
	if err != nil {
		return err
	}
	response, err := client.EvaluateUnary(ctx, request)
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
	return checkSeed003(values, gradients)
}

func statusDetails(ctx context.Context, client pb.GraphEvaluatorClient, _ string) error {
	graph := &pb.Graph{}
	if err := jsonpb.UnmarshalString(`{"nodes": [{"id": "a", "inputs": ["b"], "neg": {}},
		{"id": "b", "inputs": ["a"], "exp": {}}, {"id": "c", "inputs": ["ghost"], "log": {}}]}`, graph); err != nil {
		return err
	}
	_, err := client.EvaluateUnary(ctx, &pb.EvaluateRequest{Graph: graph})
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		return fmt.Errorf("expected INVALID_ARGUMENT, got %v", err)
	}
	details := st.Details()
	if len(details) != 1 {
		return fmt.Errorf("details %v", details)
	}
	failure, ok := details[0].(*pb.ValidationFailure)
	if !ok {
		return fmt.Errorf("detail is %T: %v", details[0], details[0])
	}
	var problems [][3]string
	for _, p := range failure.Problems {
		problems = append(problems, [3]string{p.NodeId, p.Kind.String(), p.Message})
	}
	expected := [][3]string{
		{"c", "PROBLEM_KIND_UNKNOWN_INPUT", "input 'ghost' is not a node of the graph"},
		{"a", "PROBLEM_KIND_CYCLE", "is on a cycle: a -> b -> a"},
	}
	if !reflect.DeepEqual(problems, expected) {
		return fmt.Errorf("problems %v", problems)
	}
	return nil
}

func main() {
	port := flag.Int("server_port", 0, "the server's port on 127.0.0.1")
	repoRoot := flag.String("repo_root", ".", "the repository root, for the seed example files")
	flag.Parse()
	conn, err := grpc.Dial(fmt.Sprintf("127.0.0.1:%d", *port), grpc.WithInsecure(), grpc.WithBlock(), grpc.WithTimeout(10*time.Second))
	if err != nil {
		fmt.Printf("FAIL connect: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	client := pb.NewGraphEvaluatorClient(conn)
	cases := []struct {
		name string
		run  func(context.Context, pb.GraphEvaluatorClient, string) error
	}{
		{"evaluate_stream", evaluateStream},
		{"evaluate_unary", evaluateUnary},
		{"status_details", statusDetails},
	}
	failed := false
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := c.run(ctx, client, *repoRoot); err != nil {
			failed = true
			fmt.Printf("FAIL %s: %v\n", c.name, err)
		} else {
			fmt.Printf("PASS %s\n", c.name)
		}
		cancel()
	}
	if failed {
		os.Exit(1)
	}
}
