package graphgrpc

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/golang/protobuf/proto"
	"github.com/golang/protobuf/ptypes/wrappers"

	pb "graphgrpc/v1"
)

func TestBuilderSendsEachOpWithItsOperandsInOrder(t *testing.T) {
	g := NewGraph()
	a := g.InputTensor("a", NewTensor([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	b := g.Input("b", 2)
	g.Sub(b, a)
	g.PowScalar(a, 3)
	g.SumKeepDims(a, 1, -1)
	g.Transpose(a, 1, 0)
	g.Reshape(a, 3, -1)
	g.LogSoftmaxAxis(a, 0)
	g.CrossEntropy(a, b, ReductionSum)

	nodes := g.Proto().Nodes
	want := []*pb.Node{
		{Id: "a", Op: &pb.Node_Input{Input: &pb.Input{Value: &pb.Tensor{Shape: []int64{2, 3}, Values: []float64{1, 2, 3, 4, 5, 6}}}}},
		{Id: "b", Op: &pb.Node_Input{Input: &pb.Input{Value: &pb.Tensor{Shape: []int64{}, Values: []float64{2}}}}},
		{Id: "sub_1", Inputs: []string{"b", "a"}, Op: &pb.Node_Sub{Sub: &pb.Sub{}}},
		{Id: "pow_1", Inputs: []string{"a"}, Op: &pb.Node_Pow{Pow: &pb.Pow{Exponent: &wrappers.DoubleValue{Value: 3}}}},
		{Id: "sum_1", Inputs: []string{"a"}, Op: &pb.Node_Sum{Sum: &pb.Sum{Axes: []int32{1, -1}, KeepDims: true}}},
		{Id: "transpose_1", Inputs: []string{"a"}, Op: &pb.Node_Transpose{Transpose: &pb.Transpose{Perm: []int32{1, 0}}}},
		{Id: "reshape_1", Inputs: []string{"a"}, Op: &pb.Node_Reshape{Reshape: &pb.Reshape{Shape: []int64{3, -1}}}},
		{Id: "log_softmax_1", Inputs: []string{"a"}, Op: &pb.Node_LogSoftmax{LogSoftmax: &pb.LogSoftmax{Axis: &wrappers.Int32Value{Value: 0}}}},
		{Id: "cross_entropy_1", Inputs: []string{"a", "b"}, Op: &pb.Node_CrossEntropy{CrossEntropy: &pb.CrossEntropy{Reduction: pb.Reduction_REDUCTION_SUM}}},
	}
	if len(nodes) != len(want) {
		t.Fatalf("%d nodes, expected %d", len(nodes), len(want))
	}
	for i := range want {
		if !proto.Equal(nodes[i], want[i]) {
			t.Errorf("node %d is %v, expected %v", i, nodes[i], want[i])
		}
	}
}

func TestBuilderMakesIdsThatNamedNodesDoNotTake(t *testing.T) {
	g := NewGraph()
	x := g.Input("neg_2", 1)
	first, second := g.Neg(x), g.Neg(x)
	if first.ID() != "neg_1" || second.ID() != "neg_3" {
		t.Errorf("ids %q and %q, expected neg_1 and neg_3 (neg_2 is taken)", first.ID(), second.ID())
	}
	renamed := g.Exp(first).Named("e")
	if got := g.Proto().Nodes[3]; got.Id != "e" || !reflect.DeepEqual(got.Inputs, []string{"neg_1"}) {
		t.Errorf("renamed node sent as %v", got)
	}
	first.Named("n")
	if got := g.Proto().Nodes[3].Inputs; !reflect.DeepEqual(got, []string{"n"}) || renamed.ID() != "e" {
		t.Errorf("after renaming its operand, the node's inputs are %v", got)
	}
}

func TestBuilderPanicsOnAnOperandFromAnotherGraph(t *testing.T) {
	other := NewGraph().Input("x", 1)
	defer func() {
		message, _ := recover().(string)
		if !strings.Contains(message, `operand "x" of add belongs to another graph`) {
			t.Errorf("panic %q", message)
		}
	}()
	g := NewGraph()
	g.Add(g.Input("y", 1), other)
}

func TestGraphMessagesDoNotShareState(t *testing.T) {
	g := NewGraph()
	g.PowScalar(g.Input("x", 2), 3)
	first := g.Proto()
	first.Nodes[1].GetPow().Exponent.Value = 5
	if got := g.Proto().Nodes[1].GetPow().Exponent.Value; got != 3 {
		t.Errorf("changing one message changed the builder: exponent %v", got)
	}
}

func TestJSONRoundTripsThroughReadJSON(t *testing.T) {
	g := NewGraph()
	x := g.InputTensor("x", Vector(1, 2))
	g.Mse(g.Softmax(x), g.ConstantTensor(Vector(0, 1)), ReductionMean).Named("loss")
	text, err := g.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, fragment := range []string{`"id": "loss"`, `"mse": {`, `"reduction": "REDUCTION_MEAN"`, `"softmax": {`} {
		if !strings.Contains(text, fragment) {
			t.Errorf("the JSON lacks %s:\n%s", fragment, text)
		}
	}
	read, err := ReadJSON(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(read.Proto(), g.Proto()) {
		t.Errorf("read back %v, expected %v", read.Proto(), g.Proto())
	}
	if _, err := ReadJSON(strings.NewReader(`{"nodes": [{"id": "x", "bogus": {}}]}`)); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("a graph file with an unknown field read with error %v", err)
	}
}

func TestRawTensorsKeepEveryBit(t *testing.T) {
	data := []float64{0, math.Copysign(0, -1), 1.5, -math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN()}
	sent := NewTensor(data, 2, 4).toProto(true)
	if len(sent.Values) != 0 || len(sent.Raw) != 8*len(data) || sent.Raw[8*2+7] != 0x3f || sent.Raw[8*2+6] != 0xf8 {
		t.Fatalf("raw tensor %v: expected 1.5 as little-endian bytes 00 .. 00 f8 3f", sent)
	}
	back, err := tensorFromProto(sent)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		if math.Float64bits(back.Data[i]) != math.Float64bits(data[i]) {
			t.Errorf("element %d came back as %v, expected %v", i, back.Data[i], data[i])
		}
	}
	if _, err := tensorFromProto(&pb.Tensor{Shape: []int64{3}, Raw: make([]byte, 12)}); err == nil {
		t.Error("12 raw bytes decoded without an error")
	}
	if _, err := tensorFromProto(&pb.Tensor{Shape: []int64{3}, Values: []float64{1, 2}}); err == nil {
		t.Error("a tensor of shape [3] with 2 values decoded without an error")
	}
}
