package onnx

import (
	"fmt"

	"github.com/golang/protobuf/ptypes/wrappers"

	"graphgrpc"
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

func binaryOp(op func() *pb.Node) converter {
	return func(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
		ids, err := operands(m, node, 2)
		if err != nil {
			return "", err
		}
		return m.graph.op(op(), output, ids...)
	}
}

func unaryOp(op func() *pb.Node) converter {
	return func(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
		ids, err := operands(m, node, 1)
		if err != nil {
			return "", err
		}
		return m.graph.op(op(), output, ids...)
	}
}

// variadicOp chains Max and Min over any number of operands, the last op named after the output.
func variadicOp(op func() *pb.Node) converter {
	return func(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
		ids, err := operands(m, node, len(node.GetInput()))
		if err != nil {
			return "", err
		}
		if len(ids) == 0 {
			return "", unsupportedOperand("no inputs")
		}
		if len(ids) == 1 {
			return copyOf(m, ids[0], output)
		}
		result := ids[0]
		for i := 1; i < len(ids); i++ {
			id := output
			if i < len(ids)-1 {
				id = fmt.Sprintf("%s.%d", output, i)
			}
			if result, err = m.graph.op(op(), id, result, ids[i]); err != nil {
				return "", err
			}
		}
		return result, nil
	}
}

func powOp(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
	if len(node.GetInput()) > 1 {
		if exponent, ok := m.knownValue(node.GetInput()[1]); ok && len(exponent.Shape) == 0 {
			// A constant scalar exponent is an attribute, as torch's x ** 2 is: no gradient flows to it.
			base, err := m.required(node, 0)
			if err != nil {
				return "", err
			}
			pow := &pb.Pow{Exponent: &wrappers.DoubleValue{Value: exponent.Data[0]}}
			return m.graph.op(&pb.Node{Op: &pb.Node_Pow{Pow: pow}}, output, base)
		}
	}
	ids, err := operands(m, node, 2)
	if err != nil {
		return "", err
	}
	return m.graph.op(&pb.Node{Op: &pb.Node_Pow{Pow: &pb.Pow{}}}, output, ids...)
}

// gemmOp spells alpha·A'·B' + beta·C in graphgrpc's ops; the last op made is named after the output.
func gemmOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	ab, err := operands(m, node, 2)
	if err != nil {
		return "", err
	}
	c, err := m.operand(node, 2)
	if err != nil {
		return "", err
	}
	a, b := ab[0], ab[1]
	alpha, beta := attributes.float("alpha", 1), attributes.float("beta", 1)
	transpose := func() *pb.Node { return &pb.Node{Op: &pb.Node_Transpose{Transpose: &pb.Transpose{}}} }
	if attributes.int("transA", 0) != 0 {
		if a, err = m.graph.op(transpose(), output+".A_T", a); err != nil {
			return "", err
		}
	}
	if attributes.int("transB", 0) != 0 {
		if b, err = m.graph.op(transpose(), output+".B_T", b); err != nil {
			return "", err
		}
	}
	scaled := alpha != 1
	id := output + ".matmul"
	if c == "" && !scaled {
		id = output
	}
	product, err := m.graph.op(matmulNode(), id, a, b)
	if err != nil {
		return "", err
	}
	if scaled {
		if product, err = scale(m, product, alpha, map[bool]string{true: output, false: output + ".alpha"}[c == ""]); err != nil {
			return "", err
		}
	}
	if c == "" {
		return product, nil
	}
	if beta != 1 {
		if c, err = scale(m, c, beta, output+".beta"); err != nil {
			return "", err
		}
	}
	return m.graph.op(&pb.Node{Op: &pb.Node_Add{Add: &pb.Add{}}}, output, product, c)
}

// scale is x times a number, the number a made-up constant.
func scale(m *importer, x string, factor float64, id string) (string, error) {
	number, err := m.graph.number(factor)
	if err != nil {
		return "", err
	}
	return m.graph.op(mulNode(), id, x, number)
}

func transposeOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	ids, err := operands(m, node, 1)
	if err != nil {
		return "", err
	}
	var perm []int32
	for _, p := range attributes.ints("perm") {
		perm = append(perm, int32(p))
	}
	return m.graph.op(&pb.Node{Op: &pb.Node_Transpose{Transpose: &pb.Transpose{Perm: perm}}}, output, ids...)
}

func reshapeOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	shapeName := ""
	if len(node.GetInput()) > 1 {
		shapeName = node.GetInput()[1]
	}
	known, ok := m.knownValue(shapeName)
	if !ok {
		return "", unsupportedOperand("a shape computed at run time ('%s'); it must be a constant or an initializer", shapeName)
	}
	shape := make([]int64, len(known.Data))
	hasZero := false
	for i, s := range known.Data {
		shape[i] = int64(s)
		hasZero = hasZero || shape[i] == 0
	}
	if attributes.int("allowzero", 0) == 0 && hasZero {
		// ONNX: a 0 copies the input's dimension there.
		inputShape, err := m.shape(node.GetInput()[0])
		if err != nil {
			return "", err
		}
		for i, s := range shape {
			if s == 0 && i < len(inputShape) {
				shape[i] = inputShape[i]
			}
		}
	}
	return reshapeTo(m, output, node, shape)
}

func flattenOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	shape, err := m.shape(node.GetInput()[0])
	if err != nil {
		return "", err
	}
	axis := int(attributes.int("axis", 1))
	if axis < 0 {
		axis += len(shape)
	}
	if axis > len(shape) {
		axis = len(shape)
	}
	return reshapeTo(m, output, node, []int64{product(shape[:axis]), product(shape[axis:])})
}

func reshapeTo(m *importer, output string, node *NodeProto, shape []int64) (string, error) {
	ids, err := operands(m, node, 1)
	if err != nil {
		return "", err
	}
	return m.graph.op(&pb.Node{Op: &pb.Node_Reshape{Reshape: &pb.Reshape{Shape: shape}}}, output, ids...)
}

func reduceOp(mean bool) converter {
	return func(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
		axes := attributes.ints("axes")
		if axes == nil && len(node.GetInput()) > 1 && node.GetInput()[1] != "" {
			// From opset 13 (ReduceSum) and 18 (ReduceMean) the axes come as an operand.
			known, ok := m.knownValue(node.GetInput()[1])
			if !ok {
				return "", unsupportedOperand("axes computed at run time ('%s')", node.GetInput()[1])
			}
			for _, a := range known.Data {
				axes = append(axes, int64(a))
			}
		}
		ids, err := operands(m, node, 1)
		if err != nil {
			return "", err
		}
		if len(axes) == 0 && attributes.int("noop_with_empty_axes", 0) != 0 {
			return copyOf(m, ids[0], output)
		}
		var axes32 []int32
		for _, a := range axes {
			axes32 = append(axes32, int32(a))
		}
		keepDims := attributes.int("keepdims", 1) != 0
		reduction := &pb.Node{Op: &pb.Node_Sum{Sum: &pb.Sum{Axes: axes32, KeepDims: keepDims}}}
		if mean {
			reduction = &pb.Node{Op: &pb.Node_Mean{Mean: &pb.Mean{Axes: axes32, KeepDims: keepDims}}}
		}
		return m.graph.op(reduction, output, ids...)
	}
}

func softmaxOp(log bool) converter {
	return func(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
		shape, err := m.shape(node.GetInput()[0])
		if err != nil {
			return "", err
		}
		rank := int64(len(shape))
		var axis int64
		if m.opset < 13 {
			// Before opset 13 softmax flattened the axes from `axis` on; that is ours only over the last axis.
			given := attributes.int("axis", 1)
			modulus := rank
			if modulus < 1 {
				modulus = 1
			}
			axis = ((given % modulus) + modulus) % modulus
			if axis != rank-1 {
				return "", unsupportedOperand("axis=%d of a rank-%d input before opset 13 (only the last axis)", given, rank)
			}
		} else {
			axis = attributes.int("axis", -1)
		}
		ids, err := operands(m, node, 1)
		if err != nil {
			return "", err
		}
		value := &wrappers.Int32Value{Value: int32(axis)}
		softmax := &pb.Node{Op: &pb.Node_Softmax{Softmax: &pb.Softmax{Axis: value}}}
		if log {
			softmax = &pb.Node{Op: &pb.Node_LogSoftmax{LogSoftmax: &pb.LogSoftmax{Axis: value}}}
		}
		return m.graph.op(softmax, output, ids...)
	}
}

// identityOp gives a graph output a node of its own name; elsewhere the input itself serves.
func identityOp(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
	ids, err := operands(m, node, 1)
	if err != nil {
		return "", err
	}
	if m.outputs[output] {
		return copyOf(m, ids[0], output)
	}
	return ids[0], nil
}

// castOp is the identity: every value is float64 here.
func castOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	to := int32(attributes.int("to", 0))
	if !floatingTypes[to] {
		return "", unsupportedOperand("to=%s (only floating types)", typeName(to))
	}
	return identityOp(m, output, node, attributes)
}

// constantOp records the value, known from here on; it becomes a leaf only where an op takes it as an operand.
func constantOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	if len(attributes) != 1 {
		return "", unsupportedOperand("%d attributes; a Constant has one of value, value_float, value_floats, value_int, value_ints", len(attributes))
	}
	for _, a := range attributes {
		var value graphgrpc.Tensor
		switch a.GetType() {
		case AttributeProto_TENSOR:
			t, err := toTensor(a.GetT(), m.options.ExternalDataDirectory)
			if err != nil {
				return "", err
			}
			value = t
		case AttributeProto_FLOAT:
			value = graphgrpc.Scalar(float64(a.GetF()))
		case AttributeProto_INT:
			value = graphgrpc.Scalar(float64(a.GetI()))
		case AttributeProto_FLOATS:
			value = graphgrpc.NewTensor(convert(a.GetFloats(), func(f float32) float64 { return float64(f) }), int64(len(a.GetFloats())))
		case AttributeProto_INTS:
			value = graphgrpc.NewTensor(convert(a.GetInts(), func(i int64) float64 { return float64(i) }), int64(len(a.GetInts())))
		default:
			return "", unsupportedOperand("a %s value", a.GetType())
		}
		m.define(output, value)
	}
	return "", nil
}

// copyOf is the input under a new id: x * 1, as the Python importer spells a copy.
func copyOf(m *importer, input, output string) (string, error) {
	return scale(m, input, 1, output)
}
