using GraphGrpc.Contracts;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;

namespace GraphGrpc.Engine.Tests;

/// <summary>Every worked example in the four seed texts, values and gradients, intermediates included.</summary>
public sealed class SeedExampleTests
{
    private static EvaluationResult Evaluate(string example, EvaluationRequest request)
    {
        var graph = GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", example));
        var compilation = GraphCompiler.Compile(graph);
        Assert.Empty(compilation.Problems);
        Assert.Empty(compilation.CheckRequest(request));
        return Evaluator.Evaluate(compilation.Plan!, request);
    }

    private static void AssertNode(EvaluationResult result, string id, double value, double gradient, double tolerance = 1e-12)
    {
        Assert.Equal(value, result.ValueOf(id).Data.Single(), tolerance);
        Assert.Equal(gradient, result.GradientOf(id)!.Data.Single(), tolerance);
    }

    [Fact]
    public void Seed000_GradientFlowGraph_MatchesEveryPartialDerivative()
    {
        var result = Evaluate("seed000-gradient-flow.json", new EvaluationRequest { Outputs = ["g"] });

        // a = 0.5, o = 1: b = 5 - 3a, c = 2b + 3, d = 5b + 6, e = 7c + d², f = 2e, g = 3f - o.
        AssertNode(result, "g", 3732.5, 1);
        AssertNode(result, "f", 1244.5, 3);
        AssertNode(result, "o", 1, -1);
        AssertNode(result, "e", 622.25, 6);
        AssertNode(result, "c", 10, 42);
        AssertNode(result, "b", 3.5, 1944 - 900 * 0.5);
        AssertNode(result, "a", 0.5, 2700 * 0.5 - 5832);
    }

    [Fact]
    public void Seed000_GradientOfGWithRespectToD_Is282NotTheTextsSlip47()
    {
        var result = Evaluate("seed000-gradient-flow.json", new EvaluationRequest { Outputs = ["g"], Wrt = ["d"] });

        var dgdd = result.GradientOf("d")!.Data.Single();
        Assert.Equal(12 * 23.5, dgdd);
        Assert.Equal(372 - 180 * 0.5, dgdd);
        Assert.Equal(282, dgdd);
        // Only d was asked for: nodes upstream of it are off the path and get no gradient.
        Assert.Null(result.GradientOf("a"));
        Assert.Null(result.GradientOf("b"));
    }

    [Fact]
    public void Seed000_AnyNodeWithRespectToAnyUpstreamNode_FollowsTheGradientFlowGraph()
    {
        var result = Evaluate("seed000-gradient-flow.json", new EvaluationRequest { Outputs = ["f"], Wrt = ["d"] });

        // ∂f/∂d = ∂f/∂e · ∂e/∂d = 2 · 2d.
        Assert.Equal(4 * 23.5, result.GradientOf("d")!.Data.Single());
        Assert.Null(result.GradientOf("g"));
    }

    [Fact]
    public void Seed001_SharedVariable_SumsGradientsOverBothPaths()
    {
        var result = Evaluate("seed001-sum-of-paths.json", new EvaluationRequest { Outputs = ["f"], RecordEdgeGradients = true });

        AssertNode(result, "f", 15, 1);
        AssertNode(result, "a", 5, 3);
        AssertNode(result, "x", 3, 8);
        AssertNode(result, "y", 2, 3);
        // The two paths from x: 3 through a, 5 straight into the product.
        var plan = result.Plan;
        Assert.Equal(3, result.EdgeGradients![plan.SlotOf("a")][0]!.Data.Single());
        Assert.Equal(5, result.EdgeGradients![plan.SlotOf("f")][1]!.Data.Single());
    }

    [Fact]
    public void Seed001_SinOfSquareAtRootHalfPi_HasZeroGradient()
    {
        var result = Evaluate("seed001-sin-of-square.json", new EvaluationRequest { Outputs = ["f"] });

        AssertNode(result, "a", Math.PI / 2, 0, tolerance: 1e-15);
        AssertNode(result, "f", 1, 1, tolerance: 1e-15);
        AssertNode(result, "x", Math.Sqrt(Math.PI / 2), 0, tolerance: 1e-15);
    }

    [Fact]
    public void Seed001_NeuralLayer_SigmoidOfAffineMap()
    {
        var result = Evaluate("seed001-neural-layer.json", new EvaluationRequest { Outputs = ["loss"] });

        // a = W x = [0.1 - 0.4 + 0.9, 0.4 + 1.0 - 1.8] = [0.6, -0.4]; c = a + b; y = σ(c).
        double[] c = [0.65, -0.45];
        var y = c.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
        Assert.Equal(y, result.ValueOf("y").Data, new ToleranceComparer(1e-15));
        var dc = y.Select(v => v * (1 - v)).ToArray();
        Assert.Equal(dc, result.GradientOf("b")!.Data, new ToleranceComparer(1e-15));
        // ∂loss/∂W[i, j] = dc[i] · x[j].
        Assert.Equal([dc[0], 2 * dc[0], 3 * dc[0], dc[1], 2 * dc[1], 3 * dc[1]], result.GradientOf("W")!.Data, new ToleranceComparer(1e-15));
    }

    [Fact]
    public void Seed002_LogExpression_MatchesPyTorchsPrintout()
    {
        var result = Evaluate("seed002-log-expression.json", new EvaluationRequest { Outputs = ["z"] });

        // x = 2, y = 3: a = 4, b = 12, c = 6, d = 30, e = 42, z = log 42; every gradient is a multiple of 1/42.
        AssertNode(result, "z", Math.Log(42), 1);
        AssertNode(result, "e", 42, 1.0 / 42);
        AssertNode(result, "d", 30, 1.0 / 42);
        AssertNode(result, "c", 6, 5.0 / 42);
        AssertNode(result, "b", 12, 1.0 / 42);
        AssertNode(result, "a", 4, 3.0 / 42);
        AssertNode(result, "x", 2, 27.0 / 42);
        AssertNode(result, "y", 3, 10.0 / 42);
        // As the seed prints them, to four places.
        Assert.Equal(3.7377, Math.Round(result.ValueOf("z").Data[0], 4));
        Assert.Equal(0.6429, Math.Round(result.GradientOf("x")!.Data[0], 4));
        Assert.Equal(0.2381, Math.Round(result.GradientOf("y")!.Data[0], 4));
        Assert.Equal(0.0714, Math.Round(result.GradientOf("a")!.Data[0], 4));
        Assert.Equal(0.1190, Math.Round(result.GradientOf("c")!.Data[0], 4));
        Assert.Equal(0.0238, Math.Round(result.GradientOf("b")!.Data[0], 4));
    }

    [Fact]
    public void Seed003_SquaredErrorLoss_MatchesTheTracedBackwardPass()
    {
        var result = Evaluate("seed003-squared-error.json", new EvaluationRequest { Outputs = ["L"] });

        AssertNode(result, "L", 4, 1);
        AssertNode(result, "d", 2, 4);
        AssertNode(result, "a", 7, 4);
        AssertNode(result, "p", 6, 4);
        AssertNode(result, "b", 1, 4);
        AssertNode(result, "y", 5, -4);
        AssertNode(result, "x", 2, 12);
        AssertNode(result, "w", 3, 8);
    }
}
