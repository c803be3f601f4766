package onnx

import (
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/golang/protobuf/proto"

	"graphgrpc"
	pb "graphgrpc/v1"
)

// The importer's agreement with torch, .NET's OnnxImport and the Python importer on exported models
// is tested from tests/GraphGrpc.Onnx.Tests, which runs cmd/onnximport; these tests need no server.

func node(opType, name, output string, inputs []string, attributes ...*AttributeProto) *NodeProto {
	return &NodeProto{OpType: proto.String(opType), Name: proto.String(name), Input: inputs, Output: []string{output}, Attribute: attributes}
}

func intAttribute(name string, value int64) *AttributeProto {
	return &AttributeProto{Name: proto.String(name), Type: AttributeProto_INT.Enum(), I: proto.Int64(value)}
}

func floatAttribute(name string, value float32) *AttributeProto {
	return &AttributeProto{Name: proto.String(name), Type: AttributeProto_FLOAT.Enum(), F: proto.Float32(value)}
}

func doubles(name string, dims []int64, values ...float64) *TensorProto {
	return &TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(TensorProto_DOUBLE)), Dims: dims, DoubleData: values}
}

// model has float64 inputs (a negative dimension is symbolic) and the output y.
func model(nodes []*NodeProto, inputs map[string][]int64, initializers ...*TensorProto) *ModelProto {
	graph := &GraphProto{Node: nodes, Initializer: initializers, Output: []*ValueInfoProto{{Name: proto.String("y")}}}
	for _, name := range sortedKeys(inputs) {
		shape := &TensorShapeProto{}
		for _, d := range inputs[name] {
			if d < 0 {
				shape.Dim = append(shape.Dim, &TensorShapeProto_Dimension{Value: &TensorShapeProto_Dimension_DimParam{DimParam: "N"}})
			} else {
				shape.Dim = append(shape.Dim, &TensorShapeProto_Dimension{Value: &TensorShapeProto_Dimension_DimValue{DimValue: d}})
			}
		}
		tensorType := &TypeProto_Tensor{ElemType: proto.Int32(int32(TensorProto_DOUBLE)), Shape: shape}
		graph.Input = append(graph.Input, &ValueInfoProto{Name: proto.String(name), Type: &TypeProto{Value: &TypeProto_TensorType{TensorType: tensorType}}})
	}
	return &ModelProto{IrVersion: proto.Int64(8), Graph: graph, OpsetImport: []*OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(14)}}}
}

func sortedKeys(m map[string][]int64) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func opsByID(graph *pb.Graph) map[string]string {
	byID := map[string]string{}
	for _, n := range graph.GetNodes() {
		byID[n.GetId()] = strings.TrimPrefix(reflect.TypeOf(n.GetOp()).Elem().Name(), "Node_")
	}
	return byID
}

func TestSupportedOpsAreTheIssuesList(t *testing.T) {
	want := "Add Sub Mul Div Pow Max Min Neg Exp Log Sqrt Abs Sin Cos Tanh Sigmoid Relu MatMul Gemm Transpose " +
		"Reshape Flatten ReduceSum ReduceMean Softmax LogSoftmax Identity Cast Constant"
	if got := strings.Join(SupportedOps(), " "); got != want {
		t.Fatalf("SupportedOps() = %s, want %s", got, want)
	}
}

func TestUnsupportedOpsAndAttributesNameTheNodeTheOpAndWhatIsSupported(t *testing.T) {
	x := map[string][]int64{"x": {2, 3}}
	cases := []struct {
		model *ModelProto
		want  string
	}{
		{model([]*NodeProto{node("Conv", "conv1", "y", []string{"x", "x"})}, x),
			"node 'conv1' (Conv, output 'y'): the op Conv is not supported. Supported: " + strings.Join(SupportedOps(), ", ")},
		{model([]*NodeProto{node("Exp", "", "e", []string{"x"}), node("Erf", "", "y", []string{"e"})}, x),
			"node 1 (Erf, output 'y'): the op Erf is not supported. Supported: " + strings.Join(SupportedOps(), ", ")},
		{model([]*NodeProto{node("Relu", "relu", "y", []string{"x"}, floatAttribute("alpha", 0.1))}, x),
			"node 'relu' (Relu, output 'y'): the attribute(s) alpha are not supported; Relu takes no attributes"},
		{model([]*NodeProto{node("Gemm", "gemm", "y", []string{"x", "x"}, floatAttribute("gamma", 2), intAttribute("broadcast", 1))}, x),
			"node 'gemm' (Gemm, output 'y'): the attribute(s) broadcast, gamma are not supported; Gemm takes alpha, beta, transA, transB"},
		{model([]*NodeProto{node("Cast", "cast", "y", []string{"x"}, intAttribute("to", int64(TensorProto_INT64)))}, x),
			"node 'cast' (Cast, output 'y'): cannot take to=INT64 (only floating types)"},
		{model([]*NodeProto{node("Reshape", "reshape", "y", []string{"x", "s"})}, map[string][]int64{"x": {2, 3}, "s": {2}}),
			"node 'reshape' (Reshape, output 'y'): cannot take a shape computed at run time ('s'); it must be a constant or an initializer"},
		{model([]*NodeProto{node("Add", "add", "y", []string{"x", "ghost"})}, x),
			"node 'add' (Add, output 'y'): cannot take the operand 'ghost', which no earlier node, input or initializer gives"},
	}
	for _, c := range cases {
		_, err := FromModel(c.model, Options{})
		if _, ok := err.(*UnsupportedError); !ok || err.Error() != c.want {
			t.Errorf("error %v (%T), want *UnsupportedError %q", err, err, c.want)
		}
	}
	other := model([]*NodeProto{node("Gelu", "gelu", "y", []string{"x"})}, x)
	other.Graph.Node[0].Domain = proto.String("com.microsoft")
	if _, err := FromModel(other, Options{}); err == nil || !strings.Contains(err.Error(), "the op com.microsoft.Gelu is not supported") {
		t.Errorf("another domain's op: %v", err)
	}
}

func TestGemmIsSpelledInGraphgrpcOpsNamedAfterItsOutput(t *testing.T) {
	m := model([]*NodeProto{node("Gemm", "gemm", "y", []string{"x", "W", "b"},
		floatAttribute("alpha", 0.5), floatAttribute("beta", 2), intAttribute("transB", 1))},
		map[string][]int64{"x": {4, 3}}, doubles("W", []int64{2, 3}, 1, 2, 3, 4, 5, 6), doubles("b", []int64{2}, 1, -1))

	graph, err := FromModel(m, Options{Trainable: []string{"W"}})
	if err != nil {
		t.Fatal(err)
	}

	want := map[string]string{"x": "Input", "W": "Input", "b": "Constant", "y.B_T": "Transpose", "y.matmul": "Matmul",
		"constant_1": "Constant", "y.alpha": "Mul", "constant_2": "Constant", "y.beta": "Mul", "y": "Add"}
	if got := opsByID(graph); !reflect.DeepEqual(got, want) {
		t.Fatalf("nodes %v, want %v", got, want)
	}
	order := []string{}
	for _, n := range graph.GetNodes() {
		order = append(order, n.GetId())
	}
	if got := strings.Join(order, " "); got != "x W b y.B_T y.matmul constant_1 y.alpha constant_2 y.beta y" {
		t.Errorf("order %s", got)
	}
	if got := graph.GetNodes()[5].GetConstant().GetValue().GetValues(); !reflect.DeepEqual(got, []float64{0.5}) {
		t.Errorf("alpha %v", got)
	}
}

func TestShapesComeFromTheOpsForFlattenAndSoftmax(t *testing.T) {
	m := model([]*NodeProto{
		node("MatMul", "matmul", "p", []string{"x", "W"}),
		node("Transpose", "transpose", "q", []string{"p"}, &AttributeProto{Name: proto.String("perm"), Type: AttributeProto_INTS.Enum(), Ints: []int64{1, 0}}),
		node("Flatten", "flatten", "f", []string{"q"}, intAttribute("axis", 0)),
		node("Softmax", "softmax", "y", []string{"f"}),
	}, map[string][]int64{"x": {-1, 3}}, doubles("W", []int64{3, 2}, 1, 2, 3, 4, 5, 6))

	if _, err := FromModel(m, Options{}); err == nil || err.Error() != "input 'x' has symbolic dimensions [?, 3]; give its value in Options.Inputs" {
		t.Fatalf("without a value: %v", err)
	}
	graph, err := FromModel(m, Options{Inputs: map[string]graphgrpc.Tensor{"x": {Shape: []int64{5, 3}, Data: make([]float64, 15)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range graph.GetNodes() {
		if n.GetId() == "f" && !reflect.DeepEqual(n.GetReshape().GetShape(), []int64{1, 10}) {
			t.Errorf("flatten to %v, want [1 10]", n.GetReshape().GetShape())
		}
		if n.GetId() == "y" && n.GetSoftmax().GetAxis().GetValue() != -1 {
			t.Errorf("softmax axis %v", n.GetSoftmax().GetAxis())
		}
	}
}

func TestOptionsThatDoNotFitTheModelSayWhich(t *testing.T) {
	m := model([]*NodeProto{node("Add", "add", "y", []string{"x", "b"})}, map[string][]int64{"x": {-1, 3}}, doubles("b", []int64{3}, 1, 2, 3))
	cases := []struct {
		options Options
		want    string
	}{
		{Options{Trainable: []string{"b", "w"}}, "trainable names ['w'], which are not initializers of the model"},
		{Options{Inputs: map[string]graphgrpc.Tensor{"z": graphgrpc.Scalar(0)}}, "inputs names ['z'], which the model does not take (it takes ['x'])"},
		{Options{Inputs: map[string]graphgrpc.Tensor{"x": {Shape: []int64{4, 2}, Data: make([]float64, 8)}}}, "input 'x' is declared [?, 3], but the value given is [4, 2]"},
	}
	for _, c := range cases {
		if _, err := FromModel(m, c.options); err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	if _, err := FromBytes([]byte("not a model"), Options{}); err == nil || !strings.Contains(err.Error(), "is not an ONNX model") {
		t.Errorf("bytes that are no model: %v", err)
	}
}

func TestInitializersOfEveryNumericTypeReadAsFloat64(t *testing.T) {
	raw := func(dataType TensorProto_DataType, bytes ...byte) *TensorProto {
		return &TensorProto{DataType: proto.Int32(int32(dataType)), Dims: []int64{2}, RawData: bytes}
	}
	cases := []struct {
		tensor *TensorProto
		want   []float64
	}{
		{raw(TensorProto_FLOAT, 0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0), []float64{1.5, -2}},
		{raw(TensorProto_FLOAT16, 0x00, 0x3E, 0x00, 0xC0), []float64{1.5, -2}},
		{raw(TensorProto_BFLOAT16, 0xC0, 0x3F, 0x00, 0xC0), []float64{1.5, -2}},
		{raw(TensorProto_INT64, 1, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), []float64{1, -2}},
		{raw(TensorProto_INT8, 1, 0xFE), []float64{1, -2}},
		{&TensorProto{DataType: proto.Int32(int32(TensorProto_FLOAT16)), Dims: []int64{2}, Int32Data: []int32{0x0001, 0x7C00}}, []float64{math.Ldexp(1, -24), math.Inf(1)}},
		{&TensorProto{DataType: proto.Int32(int32(TensorProto_FLOAT)), Dims: []int64{2}, FloatData: []float32{0.1, 2}}, []float64{float64(float32(0.1)), 2}},
	}
	for _, c := range cases {
		got, err := toTensor(c.tensor, "")
		if err != nil || !reflect.DeepEqual(got.Data, c.want) {
			t.Errorf("%v: %v %v, want %v", TensorProto_DataType(c.tensor.GetDataType()), got.Data, err, c.want)
		}
	}
	if _, err := toTensor(&TensorProto{Name: proto.String("words"), DataType: proto.Int32(int32(TensorProto_STRING)), Dims: []int64{1}}, ""); err == nil ||
		err.Error() != "a tensor of type STRING (only numbers)" {
		t.Errorf("a string tensor: %v", err)
	}
}
