package onnx

import (
	pb "graphgrpc/v1"
)

// converter adds the ops that compute a node's output and returns the node holding it, or "" when
// the output is known before run time (a Constant). It takes the operands it uses through
// importer.operand, so a Reshape's shape never becomes a leaf.
type converter func(m *importer, output string, node *NodeProto, attributes attributes) (string, error)

// onnxOp is one supported ONNX op: its converter and the attributes it honours (any other fails).
type onnxOp struct {
	name       string
	convert    converter
	attributes []string
}

var reduceAttributes = []string{"axes", "keepdims", "noop_with_empty_axes"}

var constantAttributes = []string{"value", "value_float", "value_floats", "value_int", "value_ints"}

// ops is the one table of the ONNX ops the importer maps, as the Python importer's OPS lists them.
var ops = []onnxOp{
	{"Add", binaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Add{Add: &pb.Add{}}} }), nil},
	{"Sub", binaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Sub{Sub: &pb.Sub{}}} }), nil},
	{"Mul", binaryOp(mulNode), nil},
	{"Div", binaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Div{Div: &pb.Div{}}} }), nil},
	{"Pow", powOp, nil},
	{"Max", variadicOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Maximum{Maximum: &pb.Maximum{}}} }), nil},
	{"Min", variadicOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Minimum{Minimum: &pb.Minimum{}}} }), nil},
	{"Neg", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Neg{Neg: &pb.Neg{}}} }), nil},
	{"Exp", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Exp{Exp: &pb.Exp{}}} }), nil},
	{"Log", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Log{Log: &pb.Log{}}} }), nil},
	{"Sqrt", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Sqrt{Sqrt: &pb.Sqrt{}}} }), nil},
	{"Abs", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Abs{Abs: &pb.Abs{}}} }), nil},
	{"Sin", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Sin{Sin: &pb.Sin{}}} }), nil},
	{"Cos", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Cos{Cos: &pb.Cos{}}} }), nil},
	{"Tanh", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Tanh{Tanh: &pb.Tanh{}}} }), nil},
	{"Sigmoid", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Sigmoid{Sigmoid: &pb.Sigmoid{}}} }), nil},
	{"Relu", unaryOp(func() *pb.Node { return &pb.Node{Op: &pb.Node_Relu{Relu: &pb.Relu{}}} }), nil},
	{"MatMul", binaryOp(matmulNode), nil},
	{"Gemm", gemmOp, []string{"alpha", "beta", "transA", "transB"}},
	{"Transpose", transposeOp, []string{"perm"}},
	{"Reshape", reshapeOp, []string{"allowzero"}},
	{"Flatten", flattenOp, []string{"axis"}},
	{"ReduceSum", reduceOp(false), reduceAttributes},
	{"ReduceMean", reduceOp(true), reduceAttributes},
	{"Softmax", softmaxOp(false), []string{"axis"}},
	{"LogSoftmax", softmaxOp(true), []string{"axis"}},
	{"Identity", identityOp, nil},
	{"Cast", castOp, []string{"to", "saturate"}},
	{"Constant", constantOp, constantAttributes},
}

var opNames, opsByName = func() ([]string, map[string]onnxOp) {
	names, byName := []string{}, map[string]onnxOp{}
	for _, op := range ops {
		names = append(names, op.name)
		byName[op.name] = op
	}
	return names, byName
}()

func mulNode() *pb.Node    { return &pb.Node{Op: &pb.Node_Mul{Mul: &pb.Mul{}}} }
func matmulNode() *pb.Node { return &pb.Node{Op: &pb.Node_Matmul{Matmul: &pb.MatMul{}}} }

// operands are the nodes holding a node's first inputs, each required.
func operands(m *importer, node *NodeProto, count int) ([]string, error) {
	ids := make([]string, count)
	for i := range ids {
		id, err := m.required(node, i)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}
