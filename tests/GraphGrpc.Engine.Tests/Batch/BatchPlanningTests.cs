using GraphGrpc.Contracts;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Batch.Steps;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Ops.Elementwise;
using GraphGrpc.Engine.Ops.Losses;
using GraphGrpc.Engine.Ops.Reductions;
using SharedGradients = GraphGrpc.Engine.Batch.SharedGradients;

namespace GraphGrpc.Engine.Tests.Batch;

/// <summary>What the batch plan decides from what each op declares: the step per slot, the backward schedule, the shared buffers.</summary>
public sealed class BatchPlanningTests
{
    private static readonly Graph Seed002 = GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json"));

    [Fact]
    public void Create_Seed002_AsksEachOpForItsStep()
    {
        var plan = GradientChecker.Compile(Seed002);
        var batch = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x"], Outputs = ["z"], Wrt = ["x", "y"] });

        // b = 3·a and the rest vary with x and run chunk-wide; c = x·y varies too; the leaves have no step.
        Assert.All(["a", "b", "c", "d", "e", "z"], id => Assert.IsType<ElementwiseStep>(batch.Steps[plan.SlotOf(id)]));
        Assert.All(["x", "y", "3", "5"], id => Assert.Null(batch.Steps[plan.SlotOf(id)]));
    }

    [Fact]
    public void Create_SumOfAVectorAndAMatrixProduct_FoldsTheSumAndRunsTheProductPointByPoint()
    {
        var b = new GraphBuilder();
        b.Input("v", [1, 2, 3], 3);
        b.Constant("m", [1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3);
        b.Op("p", n => n.Matmul = new(), "m", "v");
        b.Op("s", n => n.Sum = new(), "p");
        var plan = GradientChecker.Compile(b.Graph);

        var batch = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["v"], Outputs = ["s"] });

        Assert.IsType<PointByPointStep>(batch.Steps[plan.SlotOf("p")]);
        Assert.IsType<FoldStep>(batch.Steps[plan.SlotOf("s")]);
    }

    [Fact]
    public void Backward_Seed002_PassesTheAddsGradientThroughAndWritesTheRest()
    {
        var plan = GradientChecker.Compile(Seed002);
        var batch = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["z"], Wrt = ["x", "y"] });
        var visits = batch.Backward.Visits.ToDictionary(visit => plan.Ids[visit.Slot]);
        ShareAction ActionOf(string slot, string input) =>
            visits[slot].Edges.Single(edge => plan.Ids[edge.Input] == input).Action;

        // e = b + d: both operands read e's gradient where it lies.
        Assert.Equal(ShareAction.PassThrough, ActionOf("e", "b"));
        Assert.Equal(ShareAction.PassThrough, ActionOf("e", "d"));
        Assert.Equal(plan.SlotOf("e"), visits["b"].Holder);
        // x gets a share from c = x·y first (c comes later in Kahn order), then one from a = x² added to it.
        Assert.Equal(ShareAction.Write, ActionOf("c", "x"));
        Assert.Equal(ShareAction.Accumulate, ActionOf("a", "x"));
        // The constants 3 and 5 are off the path: no share goes there.
        Assert.DoesNotContain(visits["b"].Edges, edge => plan.Ids[edge.Input] == "3");
    }

    [Fact]
    public void Buffers_LongChain_AreSharedBetweenSlotsWhoseLifetimesDoNotMeet()
    {
        // neg keeps nothing for backward, so each value dies when the next is computed, and each gradient
        // when it has been passed on: two buffers would do for any length.
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        var previous = "x";
        for (var i = 0; i < 50; i++)
        {
            previous = b.Op($"n{i}", n => n.Neg = new(), previous);
        }
        var plan = GradientChecker.Compile(b.Graph);

        var batch = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x"], Outputs = [previous], Wrt = ["x"] });

        Assert.InRange(batch.Buffers.BufferSizes.Length, 1, 3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public void Evaluate_ChainsWithSharedBuffers_EachPointEqualsItsOwnEvaluation(int chunkSize)
    {
        // A chain that keeps some values for backward (tanh its output, mul its inputs) and not others (neg, add).
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        b.Input("w", 0.75);
        var previous = "x";
        for (var i = 0; i < 24; i++)
        {
            previous = (i % 4) switch
            {
                0 => b.Op($"n{i}", n => n.Tanh = new(), previous),
                1 => b.Op($"n{i}", n => n.Neg = new(), previous),
                2 => b.Op($"n{i}", n => n.Mul = new(), previous, "w"),
                _ => b.Op($"n{i}", n => n.Add = new(), previous, i > 4 ? $"n{i - 4}" : "x"),
            };
        }
        var plan = GradientChecker.Compile(b.Graph);
        var request = new BatchRequest { BatchInputs = ["x"], Outputs = [previous], Wrt = ["x", "w"], SharedGradients = SharedGradients.PerPoint };
        var xs = Enumerable.Range(0, 29).Select(k => -1.5 + 0.1 * k).ToArray();

        var batch = BatchEvaluator.Evaluate(BatchPlan.Create(plan, request, chunkSize), [xs], xs.Length);

        for (var k = 0; k < xs.Length; k++)
        {
            var single = Evaluator.Evaluate(GradientChecker.Compile(WithInput(b.Graph, "x", xs[k])), new EvaluationRequest { Outputs = [previous], Wrt = ["x", "w"] });
            Assert.Equal(Bits(single.ValueOf(previous).Data[0]), Bits(batch.Outputs[0][k]));
            Assert.Equal(Bits(single.GradientOf("x")!.Data[0]), Bits(batch.Gradients[0][k]));
            Assert.Equal(Bits(single.GradientOf("w")!.Data[0]), Bits(batch.Gradients[1][k]));
        }
    }

    [Fact]
    public void Create_SameRequestOfTheSamePlan_IsPlannedOnce()
    {
        var plan = GradientChecker.Compile(Seed002);
        BatchRequest Request() => new() { BatchInputs = ["x", "y"], Outputs = ["z"], Wrt = ["x", "y"] };

        var first = BatchPlan.Create(plan, Request());

        Assert.Same(first, BatchPlan.Create(plan, Request()));
        Assert.NotSame(first, BatchPlan.Create(plan, Request() with { Wrt = ["x"] }));
        Assert.NotSame(first, BatchPlan.Create(plan, Request(), chunkSize: 64));
        Assert.NotSame(first, BatchPlan.Create(GradientChecker.Compile(Seed002), Request()));
    }

    [Fact]
    public void Ops_DeclareWhichOperandsTheirGradientPassesThrough()
    {
        Assert.True(((IElementwiseOp)new AddOp()).PassesGradientThrough(0));
        Assert.True(((IElementwiseOp)new AddOp()).PassesGradientThrough(1));
        Assert.True(((IElementwiseOp)new SubOp()).PassesGradientThrough(0));
        Assert.False(((IElementwiseOp)new SubOp()).PassesGradientThrough(1));
        Assert.False(((IElementwiseOp)new MulOp()).PassesGradientThrough(0));
        Assert.False(((IElementwiseOp)new NegOp()).PassesGradientThrough(0));
    }

    [Theory]
    [InlineData(new[] { 3 }, new int[0], false)]
    [InlineData(new[] { 2, 3 }, new[] { 2 }, false)]
    [InlineData(new[] { 2, 3 }, new[] { 2, 3 }, true)]
    public void CrossEntropy_HasGradientForTheTarget_ExactlyWhenBackwardGivesOne(int[] logitsShape, int[] targetShape, bool expected)
    {
        var op = new CrossEntropyOp(LossReduction.Mean);
        var logits = new Tensors.Tensor(logitsShape, Enumerable.Range(0, Tensors.Shapes.ElementCount(logitsShape)).Select(i => 0.1 * i).ToArray());
        var target = new Tensors.Tensor(targetShape, new double[Tensors.Shapes.ElementCount(targetShape)]);
        var output = op.Forward([logits, target]);

        Assert.True(op.HasGradient(0, [logitsShape, targetShape]));
        Assert.Equal(expected, op.HasGradient(1, [logitsShape, targetShape]));
        Assert.Equal(expected, op.Backward(1, [logits, target], output, Tensors.Tensor.Scalar(1)) is not null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reduce_FoldOfSeveralPoints_EqualsItsForwardAndBackwardAtEachPoint(bool mean)
    {
        var op = new ReduceOp(mean, [], keepDims: false);
        double[] points = [0.1, -0.0, 1e16, 1, -1e16, -0.0, -0.0, 2.5, 3];
        var folded = new double[3];
        var spread = new double[9];

        op.Fold(points, 3, folded);
        op.Unfold([1, -2, 0.5], 3, spread);

        for (var k = 0; k < 3; k++)
        {
            var x = new Tensors.Tensor([3], points[(k * 3)..(k * 3 + 3)]);
            var y = op.Forward([x]);
            Assert.Equal(Bits(y.Data[0]), Bits(folded[k]));
            var g = op.Backward(0, [x], y, Tensors.Tensor.Scalar(new[] { 1, -2, 0.5 }[k]));
            Assert.Equal(g.Data.Select(Bits), spread[(k * 3)..(k * 3 + 3)].Select(Bits));
        }
    }

    private static Graph WithInput(Graph graph, string id, double value)
    {
        var copy = graph.Clone();
        var values = copy.Nodes.Single(n => n.Id == id).Input.Value.Values;
        values.Clear();
        values.Add(value);
        return copy;
    }

    private static long Bits(double x) => BitConverter.DoubleToInt64Bits(x);
}
