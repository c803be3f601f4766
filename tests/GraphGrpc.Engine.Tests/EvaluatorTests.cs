using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Evaluation;
using NonFiniteNode = GraphGrpc.Engine.Evaluation.NonFiniteNode;

namespace GraphGrpc.Engine.Tests;

/// <summary>How backward chooses its work: seeds, several outputs, the path it walks, non-finite values, cancellation.</summary>
public sealed class EvaluatorTests
{
    private static EvaluationResult Evaluate(GraphBuilder builder, EvaluationRequest request) =>
        Evaluator.Evaluate(GradientChecker.Compile(builder.Graph), request);

    [Fact]
    public void Evaluate_NodesOffThePath_GetNoGradient()
    {
        var b = new GraphBuilder();
        b.Input("x", 2);
        b.Input("unused", 5);
        b.Constant("k", 3);
        b.Op("kk", n => n.Exp = new(), "k");
        b.Op("y", n => n.Mul = new(), "x", "kk");
        b.Op("side", n => n.Sin = new(), "x");

        var result = Evaluate(b, new EvaluationRequest { Outputs = ["y"] });

        Assert.Equal(Math.Exp(3), result.GradientOf("x")!.Data[0]);
        // A constant branch needs no gradient; a node that does not reach the output gets none.
        Assert.Null(result.GradientOf("kk"));
        Assert.Null(result.GradientOf("k"));
        Assert.Null(result.GradientOf("side"));
        Assert.Null(result.GradientOf("unused"));
    }

    [Fact]
    public void Evaluate_WrtANodeTheOutputDoesNotUse_IsZeroOfItsShape()
    {
        var b = new GraphBuilder();
        b.Input("x", 2);
        b.Input("v", [1, 2], 2);
        b.Op("y", n => n.Square = new(), "x");

        var result = Evaluate(b, new EvaluationRequest { Outputs = ["y"], Wrt = ["v", "x"] });

        Assert.Equal([0.0, 0.0], result.GradientOf("v")!.Data);
        Assert.Equal(4, result.GradientOf("x")!.Data[0]);
    }

    [Fact]
    public void Evaluate_GivenSeed_ComputesAVectorJacobianProduct()
    {
        var b = new GraphBuilder();
        b.Input("x", [1, 2, 3], 3);
        b.Op("y", n => n.Square = new(), "x");

        var result = Evaluate(b, new EvaluationRequest
        {
            Outputs = ["y"],
            Seeds = new Dictionary<string, Tensors.Tensor> { ["y"] = new([3], [1, 10, 100]) },
        });

        Assert.Equal([2.0, 40.0, 600.0], result.GradientOf("x")!.Data);
    }

    [Fact]
    public void Evaluate_SeveralOutputs_SumsTheirGradients()
    {
        var b = new GraphBuilder();
        b.Input("x", 3);
        b.Op("double", n => n.Add = new(), "x", "x");
        b.Op("square", n => n.Square = new(), "double");

        // Seeding both d = 2x and s = d² gives ∂(d + s)/∂x = 2 + 2d·2.
        var result = Evaluate(b, new EvaluationRequest { Outputs = ["double", "square"] });

        Assert.Equal(2 + 2 * 6 * 2, result.GradientOf("x")!.Data[0]);
        Assert.Equal(1 + 2 * 6, result.GradientOf("double")!.Data[0]);
    }

    [Fact]
    public void Evaluate_BroadcastOperand_GetsGradientSummedBackToItsShape()
    {
        var b = new GraphBuilder();
        b.Input("m", [1, 2, 3, 4, 5, 6], 2, 3);
        b.Input("row", [10, 20, 30], 3);
        b.Input("s", 2);
        b.Op("p", n => n.Mul = new(), "m", "row");
        b.Op("q", n => n.Mul = new(), "p", "s");

        var result = Evaluate(b, new EvaluationRequest { Outputs = ["q"] });

        Assert.Equal([2 * (1.0 + 4), 2 * (2.0 + 5), 2 * (3.0 + 6)], result.GradientOf("row")!.Data);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }.Zip([10, 20, 30, 10, 20, 30], (m, r) => (double)(m * r)).Sum(), result.GradientOf("s")!.Data[0]);
        Assert.Empty(result.GradientOf("s")!.Shape);
    }

    [Fact]
    public void Evaluate_NaNValue_NamesTheFirstNodeInTopologicalOrder()
    {
        var b = new GraphBuilder();
        b.Input("x", -1);
        b.Op("root", n => n.Sqrt = new(), "x");
        b.Op("later", n => n.Exp = new(), "root");

        var result = Evaluate(b, new EvaluationRequest { Outputs = ["later"] });

        Assert.Equal(new NonFiniteNode("root", EvaluationPhase.Forward), result.FirstNonFinite);
        Assert.True(double.IsNaN(result.ValueOf("later").Data[0]));
    }

    [Fact]
    public void Evaluate_InfiniteGradientOnly_NamesTheNodeInBackward()
    {
        var b = new GraphBuilder();
        b.Input("x", 0);
        b.Op("root", n => n.Sqrt = new(), "x");

        var result = Evaluate(b, new EvaluationRequest { Outputs = ["root"] });

        Assert.Equal(0, result.ValueOf("root").Data[0]);
        Assert.Equal(double.PositiveInfinity, result.GradientOf("x")!.Data[0]);
        Assert.Equal(new NonFiniteNode("x", EvaluationPhase.Backward), result.FirstNonFinite);
    }

    [Fact]
    public void Evaluate_FiniteGraph_ReportsNoNonFiniteNode()
    {
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Op("y", n => n.Exp = new(), "x");

        Assert.Null(Evaluate(b, new EvaluationRequest { Outputs = ["y"] }).FirstNonFinite);
    }

    [Fact]
    public void Evaluate_ClassIndexOutOfRange_NamesTheNode()
    {
        var b = new GraphBuilder();
        b.Input("logits", [1, 2, 3], 3);
        b.Constant("label", 3);
        b.Op("loss", n => n.CrossEntropy = new(), "logits", "label");

        var error = Assert.Throws<EvaluationException>(() => Evaluate(b, new EvaluationRequest { Outputs = ["loss"] }));

        Assert.Equal("loss", error.NodeId);
        Assert.Equal("node 'loss': cross_entropy: class index 3 at position 0 is not a whole number in [0, 3)", error.Message);
    }

    [Fact]
    public void Evaluate_CancelledToken_StopsWithCancellation()
    {
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Op("y", n => n.Exp = new(), "x");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            Evaluator.Evaluate(GradientChecker.Compile(b.Graph), new EvaluationRequest { Outputs = ["y"] }, cancellationToken: cancelled.Token));
    }

    private sealed class RecordingObserver(Compilation.Plan plan) : IEvaluationObserver
    {
        public List<string> Events { get; } = [];

        public void OnValue(int slot, Tensors.Tensor value) => Events.Add($"value {plan.Ids[slot]}");

        public void OnGradient(int slot, Tensors.Tensor gradient) => Events.Add($"gradient {plan.Ids[slot]}");
    }

    [Fact]
    public void Evaluate_Observer_HearsValuesInTopologicalOrderThenGradientsInReverse()
    {
        var b = new GraphBuilder();
        b.Input("x", 2);
        b.Input("y", 3);
        b.Input("unused", 1);
        b.Op("a", n => n.Add = new(), "x", "y");
        b.Op("f", n => n.Mul = new(), "a", "x");
        var plan = GradientChecker.Compile(b.Graph);
        var observer = new RecordingObserver(plan);

        var result = Evaluator.Evaluate(plan, new EvaluationRequest { Outputs = ["f"], Wrt = ["x", "y", "unused"] }, observer);

        Assert.Equal(
        [
            "value x", "value y", "value unused", "value a", "value f",
            "gradient f", "gradient a", "gradient unused", "gradient y", "gradient x",
        ], observer.Events);
        Assert.Equal(0, result.GradientOf("unused")!.Data[0]);
    }

    [Fact]
    public void Evaluate_RecordNodeTimes_TimesEveryForwardAndEachVisitedBackward()
    {
        var b = new GraphBuilder();
        b.Input("x", 2);
        b.Constant("k", 3);
        b.Op("kk", n => n.Exp = new(), "k");
        b.Op("y", n => n.Mul = new(), "x", "kk");

        var result = Evaluate(b, new EvaluationRequest { Outputs = ["y"], RecordNodeTimes = true });

        Assert.Equal(4, result.ForwardTimes!.Length);
        Assert.All(result.ForwardTimes, time => Assert.True(time >= TimeSpan.Zero));
        // Backward never visits the constant branch.
        Assert.Equal(TimeSpan.Zero, result.BackwardTimes![result.Plan.SlotOf("kk")]);
        Assert.Null(Evaluate(b, new EvaluationRequest { Outputs = ["y"] }).ForwardTimes);
    }

    [Fact]
    public void Evaluate_NoOutputs_RunsForwardOnly()
    {
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Op("y", n => n.Exp = new(), "x");

        var result = Evaluate(b, new EvaluationRequest());

        Assert.Equal(Math.E, result.ValueOf("y").Data[0]);
        Assert.All(result.Gradients, Assert.Null);
    }

    [Fact]
    public void Compile_SameGraph_SortsTheSameWayEveryTime()
    {
        var b = new GraphBuilder();
        b.Op("z", n => n.Add = new(), "x", "y");
        b.Input("y", 1);
        b.Input("x", 2);

        var plan = GradientChecker.Compile(b.Graph);

        // Leaves first in declaration order, then what they free.
        Assert.Equal(["y", "x", "z"], plan.Ids);
    }
}
