package graphgrpc

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "graphgrpc/v1"
)

// serverVariable names the address of the GraphGrpc server the tests below run against.
const serverVariable = "GRAPHGRPC_TEST_SERVER"

// connect dials the test server; without one the test fails rather than skips, so that a run
// that never reached a server cannot pass.
func connect(t *testing.T) (*Client, context.Context) {
	t.Helper()
	address := os.Getenv(serverVariable)
	if address == "" {
		t.Fatalf("%s is not set: it must name a running GraphGrpc server as host:port", serverVariable)
	}
	client, err := Dial(address)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(func() {
		cancel()
		client.Close()
	})
	return client, ctx
}

// seed003 is L = (x·w + b − y)² at x = 2, w = 3, b = 1, y = 5.
func seed003() (*Graph, []*Node, *Node) {
	g := NewGraph()
	x, w, b, y := g.Input("x", 2), g.Input("w", 3), g.Input("b", 1), g.Input("y", 5)
	loss := g.Square(g.Sub(g.Add(g.Mul(x, w), b), y)).Named("L")
	return g, []*Node{x, w, b, y}, loss
}

func TestEvaluateSeed003(t *testing.T) {
	client, ctx := connect(t)
	g, inputs, loss := seed003()
	for _, raw := range []bool{false, true} {
		var options []Option
		if raw {
			options = append(options, RawTensors())
		}
		result, err := client.Evaluate(ctx, g, options...)
		if err != nil {
			t.Fatal(err)
		}
		if got := result.Value(loss); !reflect.DeepEqual(got, Scalar(4)) {
			t.Errorf("raw %v: L = %v, expected 4", raw, got)
		}
		for i, want := range []float64{12, 8, 4, -4} {
			if got := result.Gradient(inputs[i]); !reflect.DeepEqual(got, Scalar(want)) {
				t.Errorf("raw %v: dL/d%s = %v, expected %v", raw, inputs[i].ID(), got, want)
			}
		}
		if result.Summary.GetNodeCount() != 8 || result.Summary.GetOutputs()[0].GetNodeId() != "L" {
			t.Errorf("raw %v: summary %v", raw, result.Summary)
		}
	}
}

func TestEvaluateSeedsAndSelections(t *testing.T) {
	client, ctx := connect(t)
	g := NewGraph()
	u, v := g.InputTensor("u", Vector(1, 2, 3)), g.InputTensor("v", Vector(4, 5, 6))
	q := g.Div(u, v).Named("q")
	// With seed s, the gradient is s/v for u and -s·u/v² for v.
	result, err := client.Evaluate(ctx, g, Outputs(q), Seed(q, Vector(1, 10, 100)), Wrt(u, v), Values(q), Gradients(v))
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Values) != 1 || !reflect.DeepEqual(result.Value(q), Vector(0.25, 0.4, 0.5)) {
		t.Errorf("values %v, expected only q = [0.25 0.4 0.5]", result.Values)
	}
	want := []float64{-1.0 / 16, -10 * 2.0 / 25, -100 * 3.0 / 36}
	if got := result.Gradient(v); len(result.Gradients) != 1 || !closeTo(got.Data, want) {
		t.Errorf("gradients %v, expected only v = %v", result.Gradients, want)
	}
	if _, err := client.Evaluate(ctx, g, ChunkSize(3)); err == nil || !strings.Contains(err.Error(), "Evaluate does not take the option ChunkSize") {
		t.Errorf("ChunkSize on Evaluate: error %v", err)
	}
}

func closeTo(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-13*math.Max(1, math.Abs(want[i])) {
			return false
		}
	}
	return true
}

func elementwise(f func(float64) float64, xs ...float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func TestEveryOpEvaluatesAsNumpyWould(t *testing.T) {
	client, ctx := connect(t)
	// u and v are vectors of 3 (u positive, for log and sqrt), a is [[1 2 3] [4 5 6]], m is [[1 0] [2 1] [0 3]].
	a := []float64{1, 2, 3, 4, 5, 6}
	uu, vv := []float64{0.25, 1.5, 2}, []float64{-1, 0.5, 3}
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	softmax := func(xs ...float64) []float64 {
		total := 0.0
		for _, x := range xs {
			total += math.Exp(x)
		}
		return elementwise(func(x float64) float64 { return math.Exp(x) / total }, xs...)
	}
	logSoftmax := func(xs ...float64) []float64 { return elementwise(math.Log, softmax(xs...)...) }
	softmaxColumns := func() []float64 {
		out := make([]float64, 6)
		for j := 0; j < 3; j++ {
			s := softmax(a[j], a[3+j])
			out[j], out[3+j] = s[0], s[1]
		}
		return out
	}()
	cases := []struct {
		op    string
		build func(g *Graph, u, v, a, m *Node) *Node
		want  Tensor
	}{
		{"add", func(g *Graph, u, v, a, m *Node) *Node { return g.Add(a, u) }, NewTensor([]float64{1.25, 3.5, 5, 4.25, 6.5, 8}, 2, 3)},
		{"sub", func(g *Graph, u, v, a, m *Node) *Node { return g.Sub(u, v) }, Vector(1.25, 1, -1)},
		{"mul", func(g *Graph, u, v, a, m *Node) *Node { return g.Mul(u, v) }, Vector(-0.25, 0.75, 6)},
		{"div", func(g *Graph, u, v, a, m *Node) *Node { return g.Div(v, u) }, Vector(-4, 1.0/3, 1.5)},
		{"pow", func(g *Graph, u, v, a, m *Node) *Node { return g.Pow(u, v) }, Vector(4, math.Pow(1.5, 0.5), 8)},
		{"pow exponent", func(g *Graph, u, v, a, m *Node) *Node { return g.PowScalar(v, 3) }, Vector(-1, 0.125, 27)},
		{"maximum", func(g *Graph, u, v, a, m *Node) *Node { return g.Maximum(u, v) }, Vector(0.25, 1.5, 3)},
		{"minimum", func(g *Graph, u, v, a, m *Node) *Node { return g.Minimum(u, v) }, Vector(-1, 0.5, 2)},
		{"neg", func(g *Graph, u, v, a, m *Node) *Node { return g.Neg(v) }, Vector(1, -0.5, -3)},
		{"exp", func(g *Graph, u, v, a, m *Node) *Node { return g.Exp(v) }, Vector(elementwise(math.Exp, vv...)...)},
		{"log", func(g *Graph, u, v, a, m *Node) *Node { return g.Log(u) }, Vector(elementwise(math.Log, uu...)...)},
		{"sqrt", func(g *Graph, u, v, a, m *Node) *Node { return g.Sqrt(u) }, Vector(0.5, math.Sqrt(1.5), math.Sqrt(2))},
		{"square", func(g *Graph, u, v, a, m *Node) *Node { return g.Square(v) }, Vector(1, 0.25, 9)},
		{"abs", func(g *Graph, u, v, a, m *Node) *Node { return g.Abs(v) }, Vector(1, 0.5, 3)},
		{"sin", func(g *Graph, u, v, a, m *Node) *Node { return g.Sin(v) }, Vector(elementwise(math.Sin, vv...)...)},
		{"cos", func(g *Graph, u, v, a, m *Node) *Node { return g.Cos(v) }, Vector(elementwise(math.Cos, vv...)...)},
		{"tanh", func(g *Graph, u, v, a, m *Node) *Node { return g.Tanh(v) }, Vector(elementwise(math.Tanh, vv...)...)},
		{"sigmoid", func(g *Graph, u, v, a, m *Node) *Node { return g.Sigmoid(v) }, Vector(elementwise(sigmoid, vv...)...)},
		{"relu", func(g *Graph, u, v, a, m *Node) *Node { return g.Relu(v) }, Vector(0, 0.5, 3)},
		{"sign", func(g *Graph, u, v, a, m *Node) *Node { return g.Sign(v) }, Vector(-1, 1, 1)},
		{"identity", func(g *Graph, u, v, a, m *Node) *Node { return g.Identity(v) }, Vector(vv...)},
		{"broadcast_to", func(g *Graph, u, v, a, m *Node) *Node { return g.BroadcastTo(v, 2, 3) }, NewTensor([]float64{-1, 0.5, 3, -1, 0.5, 3}, 2, 3)},
		{"matmul", func(g *Graph, u, v, a, m *Node) *Node { return g.MatMul(a, m) }, NewTensor([]float64{5, 11, 14, 23}, 2, 2)},
		{"matmul vector", func(g *Graph, u, v, a, m *Node) *Node { return g.MatMul(a, u) }, Vector(9.25, 20.5)},
		{"transpose", func(g *Graph, u, v, a, m *Node) *Node { return g.Transpose(a) }, NewTensor([]float64{1, 4, 2, 5, 3, 6}, 3, 2)},
		{"reshape", func(g *Graph, u, v, a, m *Node) *Node { return g.Reshape(a, 3, -1) }, NewTensor(a, 3, 2)},
		{"sum", func(g *Graph, u, v, a, m *Node) *Node { return g.Sum(a, 1) }, Vector(6, 15)},
		{"sum keep dims", func(g *Graph, u, v, a, m *Node) *Node { return g.SumKeepDims(a, 0) }, NewTensor([]float64{5, 7, 9}, 1, 3)},
		{"mean", func(g *Graph, u, v, a, m *Node) *Node { return g.Mean(a) }, Scalar(3.5)},
		{"mean keep dims", func(g *Graph, u, v, a, m *Node) *Node { return g.MeanKeepDims(a, -1) }, NewTensor([]float64{2, 5}, 2, 1)},
		{"softmax", func(g *Graph, u, v, a, m *Node) *Node { return g.Softmax(v) }, Vector(softmax(vv...)...)},
		{"softmax axis", func(g *Graph, u, v, a, m *Node) *Node { return g.SoftmaxAxis(a, 0) }, NewTensor(softmaxColumns, 2, 3)},
		{"log_softmax", func(g *Graph, u, v, a, m *Node) *Node { return g.LogSoftmax(v) }, Vector(logSoftmax(vv...)...)},
		{"log_softmax axis", func(g *Graph, u, v, a, m *Node) *Node { return g.LogSoftmaxAxis(a, 0) },
			NewTensor(elementwise(math.Log, softmaxColumns...), 2, 3)},
		{"mse", func(g *Graph, u, v, a, m *Node) *Node { return g.Mse(u, v, ReductionMean) }, Scalar((1.5625 + 1 + 1) / 3)},
		{"mse sum", func(g *Graph, u, v, a, m *Node) *Node { return g.Mse(u, v, ReductionSum) }, Scalar(1.5625 + 1 + 1)},
		{"cross_entropy", func(g *Graph, u, v, a, m *Node) *Node {
			return g.CrossEntropy(a, g.ConstantTensor(Vector(2, 0)), ReductionMean)
		}, Scalar(-(logSoftmax(1, 2, 3)[2] + logSoftmax(4, 5, 6)[0]) / 2)},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		g := NewGraph()
		u, v := g.InputTensor("u", Vector(uu...)), g.InputTensor("v", Vector(vv...))
		a, m := g.InputTensor("a", NewTensor(a, 2, 3)), g.InputTensor("m", NewTensor([]float64{1, 0, 2, 1, 0, 3}, 3, 2))
		out := c.build(g, u, v, a, m).Named("out")
		seen[strings.Fields(c.op)[0]] = true
		result, err := client.Evaluate(ctx, g, Outputs(out), Gradients())
		if err != nil {
			t.Errorf("%s: %v", c.op, err)
			continue
		}
		if got := result.Value(out); !reflect.DeepEqual(got.Shape, c.want.Shape) || !closeTo(got.Data, c.want.Data) {
			t.Errorf("%s: %v, expected %v", c.op, got, c.want)
		}
	}
	// Every op of graph.proto but the two leaves, which every case uses.
	if len(seen) != len((&pb.Node{}).XXX_OneofWrappers())-2 {
		t.Errorf("the cases cover %d ops: %v; graph.proto has %d", len(seen), seen, len((&pb.Node{}).XXX_OneofWrappers())-2)
	}
}

func TestEvaluateStreamSendsValuesThenGradientsThenTheSummary(t *testing.T) {
	client, ctx := connect(t)
	g, _, _ := seed003()
	unary, err := client.Evaluate(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := client.EvaluateStream(ctx, g, Trace(), RawTensors())
	if err != nil {
		t.Fatal(err)
	}
	var kinds []EventKind
	var valueOrder, gradientOrder, traceOrder []string
	values, gradients := map[string]Tensor{}, map[string]Tensor{}
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("more than 100 events for 8 nodes")
		}
		event, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(kinds) == 0 || kinds[len(kinds)-1] != event.Kind {
			kinds = append(kinds, event.Kind)
		}
		switch event.Kind {
		case EventValue:
			valueOrder, values[event.NodeID] = append(valueOrder, event.NodeID), event.Tensor
		case EventGradient:
			gradientOrder, gradients[event.NodeID] = append(gradientOrder, event.NodeID), event.Tensor
		case EventTrace:
			traceOrder = append(traceOrder, event.NodeID)
		case EventSummary:
			if event.Summary.GetNodeCount() != 8 {
				t.Errorf("summary %v", event.Summary)
			}
		}
	}
	if want := []EventKind{EventValue, EventGradient, EventTrace, EventSummary}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("event kinds came in runs %v, expected %v", kinds, want)
	}
	if !reflect.DeepEqual(values, unary.Values) || !reflect.DeepEqual(gradients, unary.Gradients) {
		t.Errorf("the stream gave values %v and gradients %v; Evaluate gave %v and %v", values, gradients, unary.Values, unary.Gradients)
	}
	// Topological: every node's value after its operands'; gradients in the reverse order.
	position := map[string]int{}
	for i, id := range valueOrder {
		position[id] = i
	}
	for _, node := range g.Proto().Nodes {
		for _, input := range node.Inputs {
			if position[input] >= position[node.Id] {
				t.Errorf("the value of %s came before that of its operand %s: %v", node.Id, input, valueOrder)
			}
		}
	}
	for i := 1; i < len(gradientOrder); i++ {
		if position[gradientOrder[i-1]] < position[gradientOrder[i]] {
			t.Errorf("gradients came in order %v, not the reverse of %v", gradientOrder, valueOrder)
		}
	}
	if len(traceOrder) != 8 {
		t.Errorf("trace events for %v, expected all 8 nodes", traceOrder)
	}
}

// batchGraph is a small model at one point: s = tanh(x·w + b), loss = mse(s, t) summed, with
// batch inputs x (shape [3]) and t (a scalar), and parameters w and b shared by every point.
func batchGraph(x []float64, t float64) (*Graph, map[string]*Node) {
	g := NewGraph()
	n := map[string]*Node{"x": g.InputTensor("x", Vector(x...)), "t": g.Input("t", t)}
	n["w"], n["b"] = g.InputTensor("w", Vector(0.5, -1, 2)), g.Input("b", 0.25)
	n["s"] = g.Tanh(g.Add(g.MatMul(n["x"], n["w"]), n["b"])).Named("s")
	n["loss"] = g.Mse(n["s"], n["t"], ReductionSum).Named("loss")
	return g, n
}

func TestEvaluateBatchGivesEachPointItsOwnEvaluation(t *testing.T) {
	client, ctx := connect(t)
	const points = 150
	xs, ts := make([]float64, 3*points), make([]float64, points)
	for i := range xs {
		xs[i] = math.Sin(float64(i)) * 2
	}
	for i := range ts {
		ts[i] = math.Cos(float64(i))
	}
	g, n := batchGraph([]float64{0, 0, 0}, 0)
	columns := map[string][]float64{"x": xs, "t": ts}
	// 150 points in chunks of 64: two full chunks and one of 22.
	batch, err := client.EvaluateBatch(ctx, g, columns, Outputs(n["loss"]), Wrt(n["x"], n["w"], n["b"], n["s"]), ChunkSize(64))
	if err != nil {
		t.Fatal(err)
	}
	perPoint, err := client.EvaluateBatch(ctx, g, columns, Wrt(n["w"]), SharedGradients(SharedGradientsPerPoint))
	if err != nil {
		t.Fatal(err)
	}
	if batch.Points != points || batch.PlanHash == "" || perPoint.PlanHash != batch.PlanHash {
		t.Fatalf("%d points, plan %q, then plan %q", batch.Points, batch.PlanHash, perPoint.PlanHash)
	}
	shapes := []struct {
		name  string
		got   Tensor
		shape []int64
	}{
		{"outputs[loss]", batch.Outputs["loss"], []int64{points}},
		{"gradients[x]", batch.Gradients["x"], []int64{points, 3}},
		{"gradients[s]", batch.Gradients["s"], []int64{points}},
		{"summed gradients[w]", batch.SummedGradients["w"], []int64{3}},
		{"summed gradients[b]", batch.SummedGradients["b"], []int64{}},
		{"per-point gradients[w]", perPoint.Gradients["w"], []int64{points, 3}},
		{"per-point outputs[loss]", perPoint.Outputs["loss"], []int64{points}},
	}
	for _, s := range shapes {
		if !reflect.DeepEqual(s.got.Shape, s.shape) || int64(len(s.got.Data)) != elementCount(s.shape) {
			t.Fatalf("%s shaped %v with %d values, expected shape %v", s.name, s.got.Shape, len(s.got.Data), s.shape)
		}
	}
	if len(batch.Outputs) != 1 || len(batch.Gradients) != 2 || len(batch.SummedGradients) != 2 || len(perPoint.SummedGradients) != 0 {
		t.Errorf("outputs of %v, per-point gradients of %v and summed of %v; with SharedGradientsPerPoint, summed of %v",
			batch.Outputs, batch.Gradients, batch.SummedGradients, perPoint.SummedGradients)
	}

	// Each point evaluated alone gives the same bits; the summed gradients are the sums over points.
	wSum, bSum := make([]float64, 3), 0.0
	for p := 0; p < points; p++ {
		single, n := batchGraph(xs[3*p:3*p+3], ts[p])
		result, err := client.Evaluate(ctx, single, Wrt(n["x"], n["w"], n["b"], n["s"]))
		if err != nil {
			t.Fatal(err)
		}
		same := func(name string, batched []float64, alone Tensor) {
			if !reflect.DeepEqual(batched, alone.Data) {
				t.Errorf("point %d: %s is %v in the batch and %v alone", p, name, batched, alone.Data)
			}
		}
		same("loss", batch.Outputs["loss"].Data[p:p+1], result.Value(n["loss"]))
		same("dloss/dx", batch.Gradients["x"].Data[3*p:3*p+3], result.Gradient(n["x"]))
		same("dloss/ds", batch.Gradients["s"].Data[p:p+1], result.Gradient(n["s"]))
		same("dloss/dw per point", perPoint.Gradients["w"].Data[3*p:3*p+3], result.Gradient(n["w"]))
		for i := range wSum {
			wSum[i] += result.Gradient(n["w"]).Data[i]
		}
		bSum += result.Gradient(n["b"]).Data[0]
	}
	if !closeTo(batch.SummedGradients["w"].Data, wSum) || !closeTo(batch.SummedGradients["b"].Data, []float64{bSum}) {
		t.Errorf("summed gradients w %v and b %v; the points' own add up to %v and %v",
			batch.SummedGradients["w"].Data, batch.SummedGradients["b"].Data, wSum, bSum)
	}
}

func TestEvaluateBatchRefusesColumnsThatDoNotFit(t *testing.T) {
	client, ctx := connect(t)
	g, _ := batchGraph([]float64{0, 0, 0}, 0)
	_, err := client.EvaluateBatch(ctx, g, map[string][]float64{"x": {1, 2, 3, 4}, "t": {1}})
	if err == nil || !strings.Contains(err.Error(), `batch input "x" has 4 values, not a whole number of points of shape [3]`) {
		t.Errorf("4 values for an input of shape [3]: error %v", err)
	}
	_, err = client.EvaluateBatch(ctx, g, map[string][]float64{"x": {1, 2, 3, 4, 5, 6}, "t": {1}})
	if err == nil || !strings.Contains(err.Error(), `batch input "x" has 2 points but "t" has 1`) {
		t.Errorf("2 points of x and 1 of t: error %v", err)
	}
	_, err = client.EvaluateBatch(ctx, g, map[string][]float64{"t": {1}, "s": {2}, "ghost": {3}})
	var graphErr *GraphError
	if !errors.As(err, &graphErr) || graphErr.Code != codes.InvalidArgument {
		t.Fatalf("batch inputs that are not input leaves: error %v", err)
	}
	want := []Problem{
		{"s", pb.ProblemKind_PROBLEM_KIND_INVALID_VALUE, "is a batch input but not an input leaf"},
		{"ghost", pb.ProblemKind_PROBLEM_KIND_UNKNOWN_NODE, "is a batch input but not a node of the graph"},
	}
	if !sameProblems(graphErr.Problems, want) {
		t.Errorf("problems %v, expected %v", graphErr.Problems, want)
	}
}

// sameProblems compares problems in any order.
func sameProblems(got, want []Problem) bool {
	if len(got) != len(want) {
		return false
	}
	left := map[Problem]int{}
	for _, p := range got {
		left[p]++
	}
	for _, p := range want {
		if left[p] == 0 {
			return false
		}
		left[p]--
	}
	return true
}

// brokenGraph has a cycle a -> b -> a and a node c on an unknown input.
func brokenGraph(t *testing.T) Source {
	graph, err := ReadJSON(strings.NewReader(`{"nodes": [
		{"id": "a", "inputs": ["b"], "neg": {}},
		{"id": "b", "inputs": ["a"], "exp": {}},
		{"id": "c", "inputs": ["ghost"], "log": {}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return graph
}

func TestErrorsCarryEveryProblem(t *testing.T) {
	client, ctx := connect(t)
	want := []Problem{
		{"c", pb.ProblemKind_PROBLEM_KIND_UNKNOWN_INPUT, "input 'ghost' is not a node of the graph"},
		{"a", pb.ProblemKind_PROBLEM_KIND_CYCLE, "is on a cycle: a -> b -> a"},
	}
	_, validateErr := client.Validate(ctx, brokenGraph(t))
	_, evaluateErr := client.Evaluate(ctx, brokenGraph(t))
	var streamErr error
	if stream, err := client.EvaluateStream(ctx, brokenGraph(t)); err != nil {
		streamErr = err
	} else {
		_, streamErr = stream.Recv()
	}
	_, batchErr := client.EvaluateBatch(ctx, brokenGraph(t), map[string][]float64{"a": {1}})
	for call, err := range map[string]error{"Validate": validateErr, "Evaluate": evaluateErr, "EvaluateStream": streamErr, "EvaluateBatch": batchErr} {
		var graphErr *GraphError
		if !errors.As(err, &graphErr) {
			t.Errorf("%s: error %v is not a *GraphError", call, err)
			continue
		}
		if status.Code(err) != codes.InvalidArgument || graphErr.Code != codes.InvalidArgument {
			t.Errorf("%s: code %v", call, status.Code(err))
		}
		// A batch also has no outputs to start from, which the server may add to the two problems.
		if !sameProblems(graphErr.Problems, want) && (call != "EvaluateBatch" || !sameProblems(graphErr.Problems[:2], want)) {
			t.Errorf("%s: problems %v, expected %v", call, graphErr.Problems, want)
		}
		for _, p := range want {
			if !strings.Contains(err.Error(), p.Message) {
				t.Errorf("%s: the error's text does not say %q:\n%v", call, p.Message, err)
			}
		}
	}
	// The order of problems is the server's: Validate's response and Evaluate's status agree.
	var fromValidate, fromEvaluate *GraphError
	if errors.As(validateErr, &fromValidate) && errors.As(evaluateErr, &fromEvaluate) && !reflect.DeepEqual(fromValidate.Problems, fromEvaluate.Problems) {
		t.Errorf("Validate found %v, Evaluate %v", fromValidate.Problems, fromEvaluate.Problems)
	}
}

func TestValidateGivesATopologicalOrder(t *testing.T) {
	client, ctx := connect(t)
	g, _, loss := seed003()
	order, err := client.Validate(ctx, g, Outputs(loss), Wrt(NodeID("x")))
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 8 || order[7] != "L" {
		t.Fatalf("order %v", order)
	}
	position := map[string]int{}
	for i, id := range order {
		position[id] = i
	}
	for _, node := range g.Proto().Nodes {
		for _, input := range node.Inputs {
			if position[input] >= position[node.Id] {
				t.Errorf("%s comes before its operand %s in %v", node.Id, input, order)
			}
		}
	}
	_, err = client.Validate(ctx, g, Wrt(NodeID("nowhere")))
	var graphErr *GraphError
	if !errors.As(err, &graphErr) || len(graphErr.Problems) != 1 || graphErr.Problems[0].Kind != pb.ProblemKind_PROBLEM_KIND_UNKNOWN_WRT {
		t.Errorf("an unknown wrt node: error %v", err)
	}
}

func TestExplainSumsThePathsToTheGradient(t *testing.T) {
	client, ctx := connect(t)
	g, _, loss := seed003()
	explanation, err := client.Explain(ctx, g, loss, NodeID("x"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if explanation.PathCount != "1" || len(explanation.Paths) != 1 {
		t.Fatalf("path count %s, %d paths", explanation.PathCount, len(explanation.Paths))
	}
	if got := explanation.Total.Values; len(got) != 1 || got[0] != 12 {
		t.Fatalf("total %v, want dL/dx = 12", got)
	}
}
