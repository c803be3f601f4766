package onnx

import (
	"fmt"

	"graphgrpc"
	pb "graphgrpc/v1"
)

// assembler is a graphgrpc.v1.Graph under construction, as the Python builder (graphgrpc.Graph)
// makes one: nodes in the order they are added, made-up ids "constant_1", "constant_2", ... for
// numbers used as operands, and each node's shape, which the importer needs for Flatten, Softmax
// and Reshape.
type assembler struct {
	graph   *pb.Graph
	shapes  map[string][]int64
	counter int
}

func newAssembler() *assembler {
	return &assembler{graph: &pb.Graph{}, shapes: map[string][]int64{}}
}

func (a *assembler) contains(id string) bool {
	_, ok := a.shapes[id]
	return ok
}

// shapeOf is a node's shape, or nil when its operands do not fit its op (the server will say why).
func (a *assembler) shapeOf(id string) []int64 { return a.shapes[id] }

func (a *assembler) input(id string, value graphgrpc.Tensor) (string, error) {
	return a.add(&pb.Node{Id: id, Op: &pb.Node_Input{Input: &pb.Input{Value: tensorProto(value)}}}, value.Shape)
}

// constant adds a constant leaf; an empty id is made up.
func (a *assembler) constant(value graphgrpc.Tensor, id string) (string, error) {
	if id == "" {
		id = a.claim("constant")
	}
	return a.add(&pb.Node{Id: id, Op: &pb.Node_Constant{Constant: &pb.Constant{Value: tensorProto(value)}}}, value.Shape)
}

// number is a number as an operand: a scalar constant with a made-up id.
func (a *assembler) number(value float64) (string, error) {
	return a.constant(graphgrpc.Scalar(value), "")
}

// op adds an op node: node has its op set, and gets its id and inputs here.
func (a *assembler) op(node *pb.Node, id string, inputs ...string) (string, error) {
	node.Id = id
	node.Inputs = inputs
	operands := make([][]int64, len(inputs))
	for i, input := range inputs {
		operands[i] = a.shapes[input]
	}
	return a.add(node, inferShape(node, operands))
}

func (a *assembler) add(node *pb.Node, shape []int64) (string, error) {
	if a.contains(node.Id) {
		return "", unsupportedOperand("a second node '%s' (node ids must be unique)", node.Id)
	}
	a.shapes[node.Id] = shape
	a.graph.Nodes = append(a.graph.Nodes, node)
	return node.Id, nil
}

func (a *assembler) claim(op string) string {
	for {
		a.counter++
		id := fmt.Sprintf("%s_%d", op, a.counter)
		if !a.contains(id) {
			return id
		}
	}
}

func tensorProto(t graphgrpc.Tensor) *pb.Tensor {
	return &pb.Tensor{Shape: append([]int64{}, t.Shape...), Values: append([]float64{}, t.Data...)}
}
