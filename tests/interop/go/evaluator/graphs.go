package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/golang/protobuf/jsonpb"

	pb "graphgrpc/v1"
)

// The graphs the cases send, and what the server must answer for them. The seed examples come from
// src/GraphGrpc.Cli/examples; their answers follow from the seed texts (seed 000's dg/dd is 12d = 282,
// not the 47 its text says).

const (
	// More than grpc's 4 MiB default message limit, in float64 elements: 8 MB as packed doubles.
	largeElements = 1000000
	// Each side of the large_response outer sum, whose value has side * side elements.
	side = 1000
	// Long enough that the stream of its events is still flowing when the client cancels.
	chainLength = 20000
)

const invalidGraphJSON = `{"nodes": [{"id": "a", "inputs": ["b"], "neg": {}}, {"id": "b", "inputs": ["a"], "exp": {}},
	{"id": "c", "inputs": ["ghost"], "log": {}}]}`

var invalidGraphProblems = [][3]string{
	{"c", "PROBLEM_KIND_UNKNOWN_INPUT", "input 'ghost' is not a node of the graph"},
	{"a", "PROBLEM_KIND_CYCLE", "is on a cycle: a -> b -> a"},
}

// Seed 000 at a = 0.5, o = 1: every value and the gradient of g with respect to every node that has one.
var (
	seed000Values = map[string]float64{"a": 0.5, "o": 1, "2": 2, "3": 3, "5": 5, "6": 6, "7": 7, "3a": 1.5, "b": 3.5,
		"2b": 7, "c": 10, "5b": 17.5, "d": 23.5, "7c": 70, "d^2": 552.25, "e": 622.25, "f": 1244.5, "3f": 3733.5, "g": 3732.5}
	seed000Gradients = map[string]float64{"g": 1, "3f": 1, "f": 3, "e": 6, "d^2": 6, "7c": 6, "d": 282, "c": 42, "5b": 282,
		"2b": 42, "b": 1494, "3a": -1494, "o": -1, "a": -4482}
)

// Seed 002, z = log(3x^2 + 5xy) at x = 2, y = 3: z = log 42, dz/dx = (6x + 5y) / 42, dz/dy = 5x / 42.
var (
	seed002Value     = math.Log(42)
	seed002Gradients = map[string]float64{"x": 27.0 / 42, "y": 10.0 / 42}
)

// Seed 003, L = (x*w + b - y)^2 at x = 2, w = 3, b = 1, y = 5.
const seed003Value = 4.0

// batchAnswers gives seed 003 with x varying per point and w = 3, b = 1, y = 5 shared: L and dL/dx
// per point, and the shared gradients summed over the points.
type batchAnswers struct {
	L, X    []float64
	W, B, Y float64
}

func answersAt(x []float64) batchAnswers {
	var answers batchAnswers
	for _, xi := range x {
		residual := 3*xi - 4
		answers.L = append(answers.L, residual*residual)
		answers.X = append(answers.X, 6*residual)
		answers.W += 2 * residual * xi
		answers.B += 2 * residual
		answers.Y += -2 * residual
	}
	return answers
}

func seedGraph(repoRoot, name string) (*pb.Graph, error) {
	file, err := os.Open(filepath.Join(repoRoot, "src/GraphGrpc.Cli/examples", name+".json"))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	graph := &pb.Graph{}
	if err := jsonpb.Unmarshal(file, graph); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return graph, nil
}

func invalidGraph() *pb.Graph {
	graph := &pb.Graph{}
	if err := jsonpb.UnmarshalString(invalidGraphJSON, graph); err != nil {
		panic(err)
	}
	return graph
}

func input(id string, shape []int64, values []float64) *pb.Node {
	return &pb.Node{Id: id, Op: &pb.Node_Input{Input: &pb.Input{Value: &pb.Tensor{Shape: shape, Values: values}}}}
}

// largeLeafSum is t = sum(x) for x = 0, 1, ..., largeElements - 1: a request over 4 MiB, a one-number answer.
func largeLeafSum() *pb.Graph {
	x := make([]float64, largeElements)
	for i := range x {
		x[i] = float64(i)
	}
	return &pb.Graph{Nodes: []*pb.Node{
		input("x", []int64{largeElements}, x),
		{Id: "t", Inputs: []string{"x"}, Op: &pb.Node_Sum{Sum: &pb.Sum{}}},
	}}
}

// outerSum is s = a + b broadcast from a[i] = i (side x 1) and b[j] = side * j (1 x side), t = sum(s):
// a small request whose value s is over 4 MiB.
func outerSum() *pb.Graph {
	a, b := make([]float64, side), make([]float64, side)
	for i := range a {
		a[i], b[i] = float64(i), float64(side*i)
	}
	return &pb.Graph{Nodes: []*pb.Node{
		input("a", []int64{side, 1}, a),
		input("b", []int64{1, side}, b),
		{Id: "s", Inputs: []string{"a", "b"}, Op: &pb.Node_Add{Add: &pb.Add{}}},
		{Id: "t", Inputs: []string{"s"}, Op: &pb.Node_Sum{Sum: &pb.Sum{}}},
	}}
}

// chain is x = 1 negated chainLength times: many events on the Evaluate stream.
func chain() *pb.Graph {
	nodes := []*pb.Node{input("n0", nil, []float64{1})}
	for i := 1; i <= chainLength; i++ {
		nodes = append(nodes, &pb.Node{Id: fmt.Sprintf("n%d", i), Inputs: []string{fmt.Sprintf("n%d", i-1)}, Op: &pb.Node_Neg{Neg: &pb.Neg{}}})
	}
	return &pb.Graph{Nodes: nodes}
}
