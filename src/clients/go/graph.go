package graphgrpc

import (
	"fmt"
	"io"

	"github.com/golang/protobuf/jsonpb"
	"github.com/golang/protobuf/proto"
	"github.com/golang/protobuf/ptypes/wrappers"

	pb "graphgrpc/v1"
)

// Graph builds a graphgrpc.v1.Graph node by node:
//
//	g := graphgrpc.NewGraph()
//	x, y := g.Input("x", 2), g.Input("y", 3)
//	z := g.Log(g.Add(g.Mul(g.Constant(3), g.Square(x)), g.Mul(g.Constant(5), g.Mul(x, y)))).Named("z")
//
// Ops take their operands as *Node. Operands from another graph, or nil, are a programming
// error and panic, as an index out of range does. Every other mistake (a shape that cannot
// broadcast, a duplicate id) is the server's to report, each problem naming its node.
type Graph struct {
	nodes []*Node
	used  map[string]bool
	count map[string]int
}

// Node is one node of a Graph. Its id names it in requests and results.
type Node struct {
	graph  *Graph
	id     string
	inputs []*Node
	// op holds the node's op field; its id and inputs are filled in when the graph is sent.
	op *pb.Node
}

// NodeRef names a node: a *Node, or a NodeID for a graph that was not built here.
type NodeRef interface {
	ID() string
}

// NodeID names a node by its id.
type NodeID string

// ID is the id itself.
func (n NodeID) ID() string { return string(n) }

// Source is a graph to evaluate: a *Graph, or a protobuf graph through FromProto or ReadJSON.
type Source interface {
	Proto() *pb.Graph
}

type protoSource struct{ graph *pb.Graph }

func (s protoSource) Proto() *pb.Graph { return s.graph }

// FromProto sends a graphgrpc.v1.Graph as it is.
func FromProto(graph *pb.Graph) Source { return protoSource{graph} }

// ReadJSON reads a graph file: the protobuf JSON form of graphgrpc.v1.Graph.
func ReadJSON(r io.Reader) (Source, error) {
	graph := &pb.Graph{}
	if err := jsonpb.Unmarshal(r, graph); err != nil {
		return nil, fmt.Errorf("graphgrpc: reading a graph as JSON: %w", err)
	}
	return protoSource{graph}, nil
}

// NewGraph is an empty graph.
func NewGraph() *Graph {
	return &Graph{used: map[string]bool{}, count: map[string]int{}}
}

// ID is the node's id: the one given to Input or Named, or else one made from the op's name
// ("mul_1", "mul_2", ...).
func (n *Node) ID() string { return n.id }

// Named gives the node an id, so that results can be looked up by it, and returns the node.
func (n *Node) Named(id string) *Node {
	n.id = id
	n.graph.used[id] = true
	return n
}

// Proto is the graph as a graphgrpc.v1.Graph, its nodes in the order they were added.
func (g *Graph) Proto() *pb.Graph {
	graph := &pb.Graph{Nodes: make([]*pb.Node, len(g.nodes))}
	for i, n := range g.nodes {
		inputs := make([]string, len(n.inputs))
		for j, input := range n.inputs {
			inputs[j] = input.id
		}
		// A copy, so that changing one graph message leaves the builder and later messages alone.
		op := proto.Clone(n.op).(*pb.Node).Op
		graph.Nodes[i] = &pb.Node{Id: n.id, Inputs: inputs, Op: op}
	}
	return graph
}

// JSON is the graph file form of the graph: protobuf JSON, as graphgrpc's CLI reads it.
func (g *Graph) JSON() (string, error) {
	return (&jsonpb.Marshaler{Indent: "  "}).MarshalToString(g.Proto())
}

// add appends a node; op names it ("mul") for an id made up here, when id is empty.
func (g *Graph) add(op, id string, node *pb.Node, inputs ...*Node) *Node {
	for i, input := range inputs {
		if input == nil {
			panic(fmt.Sprintf("graphgrpc: operand %d of %s is nil", i, op))
		}
		if input.graph != g {
			panic(fmt.Sprintf("graphgrpc: operand %q of %s belongs to another graph", input.id, op))
		}
	}
	if id == "" {
		// Skip ids already taken, by Named or Input.
		for id == "" || g.used[id] {
			g.count[op]++
			id = fmt.Sprintf("%s_%d", op, g.count[op])
		}
	}
	n := &Node{graph: g, id: id, inputs: inputs, op: node}
	g.used[id] = true
	g.nodes = append(g.nodes, n)
	return n
}

// Input is a scalar variable leaf, whose gradient can be asked for.
func (g *Graph) Input(id string, value float64) *Node {
	return g.InputTensor(id, Scalar(value))
}

// InputTensor is a tensor variable leaf.
func (g *Graph) InputTensor(id string, value Tensor) *Node {
	if id == "" {
		panic("graphgrpc: an input needs an id")
	}
	return g.add("input", id, &pb.Node{Op: &pb.Node_Input{Input: &pb.Input{Value: value.toProto(false)}}})
}

// Constant is a scalar leaf that never gets a gradient.
func (g *Graph) Constant(value float64) *Node {
	return g.ConstantTensor(Scalar(value))
}

// ConstantTensor is a tensor leaf that never gets a gradient.
func (g *Graph) ConstantTensor(value Tensor) *Node {
	return g.add("constant", "", &pb.Node{Op: &pb.Node_Constant{Constant: &pb.Constant{Value: value.toProto(false)}}})
}

// Add is a + b, broadcasting as numpy does.
func (g *Graph) Add(a, b *Node) *Node {
	return g.add("add", "", &pb.Node{Op: &pb.Node_Add{Add: &pb.Add{}}}, a, b)
}

// Sub is a - b.
func (g *Graph) Sub(a, b *Node) *Node {
	return g.add("sub", "", &pb.Node{Op: &pb.Node_Sub{Sub: &pb.Sub{}}}, a, b)
}

// Mul is a * b, elementwise.
func (g *Graph) Mul(a, b *Node) *Node {
	return g.add("mul", "", &pb.Node{Op: &pb.Node_Mul{Mul: &pb.Mul{}}}, a, b)
}

// Div is a / b.
func (g *Graph) Div(a, b *Node) *Node {
	return g.add("div", "", &pb.Node{Op: &pb.Node_Div{Div: &pb.Div{}}}, a, b)
}

// Pow is base raised to the tensor exponent, elementwise.
func (g *Graph) Pow(base, exponent *Node) *Node {
	return g.add("pow", "", &pb.Node{Op: &pb.Node_Pow{Pow: &pb.Pow{}}}, base, exponent)
}

// PowScalar is base raised to a fixed exponent.
func (g *Graph) PowScalar(base *Node, exponent float64) *Node {
	return g.add("pow", "", &pb.Node{Op: &pb.Node_Pow{Pow: &pb.Pow{Exponent: &wrappers.DoubleValue{Value: exponent}}}}, base)
}

// Maximum is the elementwise larger of a and b.
func (g *Graph) Maximum(a, b *Node) *Node {
	return g.add("maximum", "", &pb.Node{Op: &pb.Node_Maximum{Maximum: &pb.Maximum{}}}, a, b)
}

// Minimum is the elementwise smaller of a and b.
func (g *Graph) Minimum(a, b *Node) *Node {
	return g.add("minimum", "", &pb.Node{Op: &pb.Node_Minimum{Minimum: &pb.Minimum{}}}, a, b)
}

// Neg is -x.
func (g *Graph) Neg(x *Node) *Node {
	return g.add("neg", "", &pb.Node{Op: &pb.Node_Neg{Neg: &pb.Neg{}}}, x)
}

// Exp is e to the x.
func (g *Graph) Exp(x *Node) *Node {
	return g.add("exp", "", &pb.Node{Op: &pb.Node_Exp{Exp: &pb.Exp{}}}, x)
}

// Log is the natural logarithm.
func (g *Graph) Log(x *Node) *Node {
	return g.add("log", "", &pb.Node{Op: &pb.Node_Log{Log: &pb.Log{}}}, x)
}

// Sqrt is the square root.
func (g *Graph) Sqrt(x *Node) *Node {
	return g.add("sqrt", "", &pb.Node{Op: &pb.Node_Sqrt{Sqrt: &pb.Sqrt{}}}, x)
}

// Square is x * x.
func (g *Graph) Square(x *Node) *Node {
	return g.add("square", "", &pb.Node{Op: &pb.Node_Square{Square: &pb.Square{}}}, x)
}

// Abs is the absolute value.
func (g *Graph) Abs(x *Node) *Node {
	return g.add("abs", "", &pb.Node{Op: &pb.Node_Abs{Abs: &pb.Abs{}}}, x)
}

// Sin is the sine, in radians.
func (g *Graph) Sin(x *Node) *Node {
	return g.add("sin", "", &pb.Node{Op: &pb.Node_Sin{Sin: &pb.Sin{}}}, x)
}

// Cos is the cosine, in radians.
func (g *Graph) Cos(x *Node) *Node {
	return g.add("cos", "", &pb.Node{Op: &pb.Node_Cos{Cos: &pb.Cos{}}}, x)
}

// Tanh is the hyperbolic tangent.
func (g *Graph) Tanh(x *Node) *Node {
	return g.add("tanh", "", &pb.Node{Op: &pb.Node_Tanh{Tanh: &pb.Tanh{}}}, x)
}

// Sigmoid is 1 / (1 + e^-x).
func (g *Graph) Sigmoid(x *Node) *Node {
	return g.add("sigmoid", "", &pb.Node{Op: &pb.Node_Sigmoid{Sigmoid: &pb.Sigmoid{}}}, x)
}

// Relu is max(0, x).
func (g *Graph) Relu(x *Node) *Node {
	return g.add("relu", "", &pb.Node{Op: &pb.Node_Relu{Relu: &pb.Relu{}}}, x)
}

// Sign is -1, 0 or 1 by the sign of x; NaN stays NaN.
func (g *Graph) Sign(x *Node) *Node {
	return g.add("sign", "", &pb.Node{Op: &pb.Node_Sign{Sign: &pb.Sign{}}}, x)
}

// Identity is x itself, as a node of its own.
func (g *Graph) Identity(x *Node) *Node {
	return g.add("identity", "", &pb.Node{Op: &pb.Node_Identity{Identity: &pb.Identity{}}}, x)
}

// BroadcastTo repeats x along new or size-1 axes to shape, as numpy.broadcast_to.
func (g *Graph) BroadcastTo(x *Node, shape ...int64) *Node {
	return g.add("broadcast_to", "", &pb.Node{Op: &pb.Node_BroadcastTo{BroadcastTo: &pb.BroadcastTo{Shape: shape}}}, x)
}

// MatMul is the matrix product of a and b, as numpy.matmul for matrices and vectors.
func (g *Graph) MatMul(a, b *Node) *Node {
	return g.add("matmul", "", &pb.Node{Op: &pb.Node_Matmul{Matmul: &pb.MatMul{}}}, a, b)
}

// Transpose permutes the axes of x; with no perm it reverses them.
func (g *Graph) Transpose(x *Node, perm ...int32) *Node {
	return g.add("transpose", "", &pb.Node{Op: &pb.Node_Transpose{Transpose: &pb.Transpose{Perm: perm}}}, x)
}

// Reshape gives x a new shape; one dimension may be -1, to be inferred.
func (g *Graph) Reshape(x *Node, shape ...int64) *Node {
	return g.add("reshape", "", &pb.Node{Op: &pb.Node_Reshape{Reshape: &pb.Reshape{Shape: shape}}}, x)
}

// Sum sums x over the axes, or over all of them when none are given.
func (g *Graph) Sum(x *Node, axes ...int32) *Node {
	return g.add("sum", "", &pb.Node{Op: &pb.Node_Sum{Sum: &pb.Sum{Axes: axes}}}, x)
}

// SumKeepDims is Sum, keeping the summed axes with length 1.
func (g *Graph) SumKeepDims(x *Node, axes ...int32) *Node {
	return g.add("sum", "", &pb.Node{Op: &pb.Node_Sum{Sum: &pb.Sum{Axes: axes, KeepDims: true}}}, x)
}

// Mean averages x over the axes, or over all of them when none are given.
func (g *Graph) Mean(x *Node, axes ...int32) *Node {
	return g.add("mean", "", &pb.Node{Op: &pb.Node_Mean{Mean: &pb.Mean{Axes: axes}}}, x)
}

// MeanKeepDims is Mean, keeping the averaged axes with length 1.
func (g *Graph) MeanKeepDims(x *Node, axes ...int32) *Node {
	return g.add("mean", "", &pb.Node{Op: &pb.Node_Mean{Mean: &pb.Mean{Axes: axes, KeepDims: true}}}, x)
}

// Softmax is the softmax of x along its last axis.
func (g *Graph) Softmax(x *Node) *Node {
	return g.add("softmax", "", &pb.Node{Op: &pb.Node_Softmax{Softmax: &pb.Softmax{}}}, x)
}

// SoftmaxAxis is the softmax of x along axis; a negative axis counts from the end.
func (g *Graph) SoftmaxAxis(x *Node, axis int32) *Node {
	return g.add("softmax", "", &pb.Node{Op: &pb.Node_Softmax{Softmax: &pb.Softmax{Axis: &wrappers.Int32Value{Value: axis}}}}, x)
}

// LogSoftmax is log(softmax(x)) along the last axis, computed stably.
func (g *Graph) LogSoftmax(x *Node) *Node {
	return g.add("log_softmax", "", &pb.Node{Op: &pb.Node_LogSoftmax{LogSoftmax: &pb.LogSoftmax{}}}, x)
}

// LogSoftmaxAxis is log(softmax(x)) along axis.
func (g *Graph) LogSoftmaxAxis(x *Node, axis int32) *Node {
	return g.add("log_softmax", "", &pb.Node{Op: &pb.Node_LogSoftmax{LogSoftmax: &pb.LogSoftmax{Axis: &wrappers.Int32Value{Value: axis}}}}, x)
}

// Reduction is how a loss folds its per-element terms into one scalar.
type Reduction = pb.Reduction

// The reductions of Mse and CrossEntropy.
const (
	ReductionMean = pb.Reduction_REDUCTION_MEAN
	ReductionSum  = pb.Reduction_REDUCTION_SUM
)

// Mse is the squared error between prediction and target, reduced.
func (g *Graph) Mse(prediction, target *Node, reduction Reduction) *Node {
	return g.add("mse", "", &pb.Node{Op: &pb.Node_Mse{Mse: &pb.Mse{Reduction: reduction}}}, prediction, target)
}

// CrossEntropy is the cross entropy of logits ([N, C] or [C]) against class indices ([N] or [])
// or class probabilities shaped like the logits, reduced.
func (g *Graph) CrossEntropy(logits, target *Node, reduction Reduction) *Node {
	return g.add("cross_entropy", "", &pb.Node{Op: &pb.Node_CrossEntropy{CrossEntropy: &pb.CrossEntropy{Reduction: reduction}}}, logits, target)
}
