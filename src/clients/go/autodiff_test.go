package graphgrpc

import (
	"errors"
	"math"
	"testing"

	pb "graphgrpc/v1"
)

// seed002 is z = log(3x² + 5xy) at x = 2, y = 3, where 3x² + 5xy = 42.
func seed002() (*Graph, *Node, *Node, *Node) {
	g := NewGraph()
	x, y := g.Input("x", 2), g.Input("y", 3)
	z := g.Log(g.Add(g.Mul(g.Constant(3), g.Square(x)), g.Mul(g.Constant(5), g.Mul(x, y)))).Named("z")
	return g, x, y, z
}

// The second derivatives of seed 002 at x = 2, y = 3: ((6e - (6x+5y)²), (5e - (6x+5y)·5x), -(5x)²) / e².
var hxx, hxy, hyy = (6*42.0 - 27*27) / (42 * 42), (5*42.0 - 27*10) / (42 * 42), -100.0 / (42 * 42)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-14*math.Max(1, math.Abs(b)) }

func scalarOf(t *testing.T, tensor Tensor, what string) float64 {
	t.Helper()
	value, err := tensor.Item()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return value
}

func TestDifferentiateGivesTheGradientAsAGraph(t *testing.T) {
	client, ctx := connect(t)
	g, x, y, _ := seed002()
	gradient, err := client.Differentiate(ctx, g, Wrt(x, y))
	if err != nil {
		t.Fatal(err)
	}
	want := []GradientSink{{"grad(z, x)", "z", "x"}, {"grad(z, y)", "z", "y"}}
	if len(gradient.Sinks) != 2 || gradient.Sinks[0] != want[0] || gradient.Sinks[1] != want[1] || len(gradient.PlanHash) != 64 {
		t.Fatalf("sinks %v, plan hash %q", gradient.Sinks, gradient.PlanHash)
	}
	values, err := client.Evaluate(ctx, gradient)
	if err != nil {
		t.Fatal(err)
	}
	if dx := scalarOf(t, values.Values["grad(z, x)"], "dz/dx"); !near(dx, 27.0/42) {
		t.Errorf("the gradient graph gives dz/dx = %v, expected 27/42", dx)
	}
	// Differentiated again: the second derivatives.
	second, err := client.Differentiate(ctx, gradient, Outputs(NodeID("grad(z, x)")), Wrt(x, y))
	if err != nil {
		t.Fatal(err)
	}
	sink, err := second.Sink(y)
	if err != nil {
		t.Fatal(err)
	}
	again, err := client.Evaluate(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if got := scalarOf(t, again.Values[sink.ID()], "d2z/dxdy"); !near(got, hxy) {
		t.Errorf("d2z/dxdy = %v, expected %v", got, hxy)
	}
}

func TestTangentsAreDirectionalDerivatives(t *testing.T) {
	client, ctx := connect(t)
	g, x, y, z := seed002()
	result, err := client.Evaluate(ctx, g, Tangent(x, Scalar(1)), Tangent(y, Scalar(2)))
	if err != nil {
		t.Fatal(err)
	}
	if got := scalarOf(t, result.Tangents[z.ID()], "dz"); !near(got, 47.0/42) {
		t.Errorf("the tangent of z is %v, expected (27 + 2·10)/42", got)
	}
	stream, err := client.EvaluateStream(ctx, g, Tangent(x, Scalar(1)), Values(z))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []EventKind
	for event, err := stream.Recv(); err == nil; event, err = stream.Recv() {
		kinds = append(kinds, event.Kind)
	}
	if len(kinds) < 2 || kinds[0] != EventValue || kinds[1] != EventTangent {
		t.Errorf("the stream's events began %v, expected z's value then its tangent", kinds)
	}
	_, err = client.Evaluate(ctx, g, Tangent(z, Scalar(1)))
	var graphErr *GraphError
	if !errors.As(err, &graphErr) || len(graphErr.Problems) != 1 || graphErr.Problems[0].NodeID != "z" {
		t.Errorf("a tangent on an op node gave %v, expected a *GraphError naming z", err)
	}
}

func TestHessianVectorProductMatchesTheClosedForm(t *testing.T) {
	client, ctx := connect(t)
	g, _, _, _ := seed002()
	product, err := client.HessianVectorProduct(ctx, g, map[string]Tensor{"x": Scalar(1), "y": Scalar(-2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := scalarOf(t, product["x"], "(Hv)x"); !near(got, hxx-2*hxy) {
		t.Errorf("(Hv)x = %v, expected %v", got, hxx-2*hxy)
	}
	if got := scalarOf(t, product["y"], "(Hv)y"); !near(got, hxy-2*hyy) {
		t.Errorf("(Hv)y = %v, expected %v", got, hxy-2*hyy)
	}
}

func TestEvaluateBatchTangentColumnsGiveEachPointsTangent(t *testing.T) {
	client, ctx := connect(t)
	g, x, _, z := seed002()
	xs, ys, dxs := []float64{2, 1, 0.5}, []float64{3, 1, 2}, []float64{1, -1, 0.25}
	batch, err := client.EvaluateBatch(ctx, g, map[string][]float64{"x": xs, "y": ys},
		Outputs(z), TangentColumns(map[string][]float64{"x": dxs}), ForwardOnly(), ChunkSize(2))
	if err != nil {
		t.Fatal(err)
	}
	tangents := batch.Tangents["z"]
	if len(tangents.Data) != 3 || len(batch.Gradients) != 0 {
		t.Fatalf("tangents %v and gradients %v, expected 3 tangents and no gradients", tangents, batch.Gradients)
	}
	for p := range xs {
		alone := NewGraph()
		ax, ay := alone.Input("x", xs[p]), alone.Input("y", ys[p])
		alone.Log(alone.Add(alone.Mul(alone.Constant(3), alone.Square(ax)), alone.Mul(alone.Constant(5), alone.Mul(ax, ay)))).Named("z")
		result, err := client.Evaluate(ctx, alone, Tangent(x, Scalar(dxs[p])))
		if err != nil {
			t.Fatal(err)
		}
		if want := scalarOf(t, result.Tangents["z"], "dz"); tangents.Data[p] != want {
			t.Errorf("point %d: the batch's tangent %v, alone %v", p, tangents.Data[p], want)
		}
	}
}

func TestDifferentiateUnknownWrtIsAGraphError(t *testing.T) {
	client, ctx := connect(t)
	g, _, _, _ := seed002()
	_, err := client.Differentiate(ctx, g, Wrt(NodeID("w")))
	var graphErr *GraphError
	if !errors.As(err, &graphErr) || len(graphErr.Problems) != 1 || graphErr.Problems[0].NodeID != "w" ||
		graphErr.Problems[0].Kind != pb.ProblemKind_PROBLEM_KIND_UNKNOWN_WRT {
		t.Errorf("got %v, expected a *GraphError naming w as an unknown wrt node", err)
	}
}
