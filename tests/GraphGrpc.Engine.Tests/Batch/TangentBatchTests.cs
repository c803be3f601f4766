using GraphGrpc.Contracts;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Kernels;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;
using BatchResult = GraphGrpc.Engine.Batch.BatchResult;
using SharedGradients = GraphGrpc.Engine.Batch.SharedGradients;
using Tensor = GraphGrpc.Engine.Tensors.Tensor;

namespace GraphGrpc.Engine.Tests.Batch;

/// <summary>In a batch with tangents, each point's value, gradients and tangent are the bits of that point evaluated alone.</summary>
public sealed class TangentBatchTests
{
    private static readonly bool CanFuseHere = VectorLanes.ForThisMachine() is not null;

    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 20));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_RandomGraphWithTangents_EachPointEqualsItsOwnEvaluation(int seed)
    {
        var random = new Random(seed);
        var (graph, batchInputs, output) = RandomBatchGraph.Create(random);
        var plan = GradientChecker.Compile(graph);
        var leaves = plan.Ids.Where((_, slot) => plan.Ops[slot] is LeafOp { IsVariable: true }).ToArray();
        // Every batch input carries a tangent, and so does one shared leaf when there is one.
        var tangentLeaves = batchInputs.Concat(leaves.Except(batchInputs).Take(1)).ToArray();
        var request = new BatchRequest
        {
            BatchInputs = batchInputs, Outputs = [output], Wrt = leaves, SharedGradients = SharedGradients.PerPoint, Tangents = tangentLeaves,
        };
        var batchPlan = BatchPlan.Create(plan, request, chunkSize: 7);
        const int points = 23;
        var columns = batchInputs.Select(id => Column(random, points * Size(plan, id))).ToArray();
        var tangents = tangentLeaves.Select(id => Column(random, (batchInputs.Contains(id) ? points : 1) * Size(plan, id))).ToArray();

        var batch = BatchEvaluator.Evaluate(batchPlan, columns, points, tangents: tangents);

        AssertEachPointAlone(graph, request, columns, tangents, batch, points);
    }

    [Fact]
    public void Evaluate_Seed002WithTangents_FusesAndEachPointEqualsItsOwnEvaluation()
    {
        var graph = GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json"));
        var plan = GradientChecker.Compile(graph);
        var request = new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["z"], Wrt = ["x", "y"], Tangents = ["x", "y"] };
        var random = new Random(2);
        const int points = 3 * 16 + 5;
        var columns = new[] { Positive(random, points), Positive(random, points) };
        var tangents = new[] { Column(random, points), Column(random, points) };

        var batchPlan = BatchPlan.Create(plan, request);
        var batch = BatchEvaluator.Evaluate(batchPlan, columns, points, tangents: tangents);

        Assert.Equal(CanFuseHere, batchPlan.Tangent!.Inner.Fused is not null);
        AssertEachPointAlone(graph, request, columns, tangents, batch, points);
    }

    [Fact]
    public void Evaluate_TangentThatDoesNotReachAnOutput_GivesZeros()
    {
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        b.Input("w", 2);
        b.Op("s", n => n.Sin = new(), "x");
        b.Op("p", n => n.Mul = new(), "x", "w");
        var plan = GradientChecker.Compile(b.Graph);
        var request = new BatchRequest { BatchInputs = ["x"], Outputs = ["s", "p"], Tangents = ["w"] };
        double[] x = [0.1, 0.2, 0.3];
        var result = BatchResult.Allocate(BatchPlan.Create(plan, request), x.Length);
        Array.Fill(result.Tangents[0], double.NaN);

        BatchEvaluator.EvaluateInto(BatchPlan.Create(plan, request), [x], result, tangents: [[10]]);

        Assert.All(result.Tangents[0], t => Assert.Equal(0.0, t));
        // d(x·w) along w's tangent 10 is 10x.
        Assert.Equal(x.Select(v => v * 10), result.Tangents[1]);
    }

    [Fact]
    public void Evaluate_ForwardOnlyWithTangents_GivesValuesAndTangentsWithoutBackward()
    {
        var graph = GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json"));
        var plan = GradientChecker.Compile(graph);
        var full = new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["z"], Wrt = ["x", "y"], Tangents = ["x", "y"] };
        var forwardOnly = new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["z"], ForwardOnly = true, Tangents = ["x", "y"] };
        var random = new Random(3);
        const int points = 2 * 16 + 3;
        var columns = new[] { Positive(random, points), Positive(random, points) };
        var tangents = new[] { Column(random, points), Column(random, points) };

        var expected = BatchEvaluator.Evaluate(BatchPlan.Create(plan, full), columns, points, tangents: tangents);
        var batchPlan = BatchPlan.Create(plan, forwardOnly);
        var actual = BatchEvaluator.Evaluate(batchPlan, columns, points, tangents: tangents);

        Assert.Empty(batchPlan.Wrt);
        Assert.Empty(actual.Gradients);
        Assert.DoesNotContain(true, batchPlan.Tangent!.Inner.OnPath);
        AssertBits(expected.Outputs[0], actual.Outputs[0], "z");
        AssertBits(expected.Tangents[0], actual.Tangents[0], "tangent of z");
    }

    [Fact]
    public void Create_ForwardOnlyWithWrt_IsRefused()
    {
        var plan = GradientChecker.Compile(GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json")));

        Assert.Throws<ArgumentException>(() => BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x"], Outputs = ["z"], Wrt = ["x"], ForwardOnly = true }));
    }

    [Fact]
    public void Create_TangentOnAConstant_IsRefused()
    {
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        b.Constant("c", 2);
        b.Op("p", n => n.Mul = new(), "x", "c");
        var plan = GradientChecker.Compile(b.Graph);

        var error = Assert.Throws<ArgumentException>(() => BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x"], Outputs = ["p"], Tangents = ["c"] }));

        Assert.StartsWith("node 'c' has a tangent but is not an input leaf", error.Message);
    }

    [Fact]
    public void Evaluate_TangentColumnOfTheWrongLength_NamesTheLeaf()
    {
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        b.Op("s", n => n.Sin = new(), "x");
        var plan = BatchPlan.Create(GradientChecker.Compile(b.Graph), new BatchRequest { BatchInputs = ["x"], Outputs = ["s"], Tangents = ["x"] });

        var error = Assert.Throws<ArgumentException>(() => BatchEvaluator.Evaluate(plan, [[0.1, 0.2]], 2, tangents: [[1.0]]));

        Assert.StartsWith("the tangent of 'x' has 1 values; it needs 2", error.Message);
    }

    private static void AssertEachPointAlone(Graph graph, BatchRequest request, double[][] columns, double[][] tangents, BatchResult batch, int points)
    {
        var plan = GradientChecker.Compile(graph);
        for (var k = 0; k < points; k++)
        {
            var point = graph.Clone();
            for (var i = 0; i < request.BatchInputs.Count; i++)
            {
                var values = point.Nodes.Single(n => n.Id == request.BatchInputs[i]).Input.Value.Values;
                var n = values.Count;
                values.Clear();
                values.Add(columns[i].AsSpan(k * n, n).ToArray());
            }
            var pointTangents = new Dictionary<string, Tensor>();
            for (var i = 0; i < request.Tangents.Count; i++)
            {
                var id = request.Tangents[i];
                var shape = plan.Shapes[plan.SlotOf(id)];
                var n = Shapes.ElementCount(shape);
                var data = request.BatchInputs.Contains(id) ? tangents[i].AsSpan(k * n, n).ToArray() : tangents[i];
                pointTangents[id] = new Tensor(shape, data);
            }
            var single = Evaluator.Evaluate(GradientChecker.Compile(point),
                new EvaluationRequest { Outputs = request.Outputs, Wrt = request.Wrt, Tangents = pointTangents });
            for (var o = 0; o < request.Outputs.Count; o++)
            {
                var id = request.Outputs[o];
                var n = single.ValueOf(id).Length;
                AssertBits(single.ValueOf(id).Data, batch.Outputs[o].AsSpan(k * n, n).ToArray(), $"point {k}: {id}");
                AssertBits(single.TangentOf(id)!.Data, batch.Tangents[o].AsSpan(k * n, n).ToArray(), $"point {k}: tangent of {id}");
            }
            for (var w = 0; w < request.Wrt.Count; w++)
            {
                var expected = single.GradientOf(request.Wrt[w])!.Data;
                AssertBits(expected, batch.Gradients[w].AsSpan(k * expected.Length, expected.Length).ToArray(), $"point {k}: gradient of {request.Wrt[w]}");
            }
        }
    }

    private static int Size(Compilation.Plan plan, string id) => Shapes.ElementCount(plan.Shapes[plan.SlotOf(id)]);

    private static double[] Column(Random random, int length) =>
        [.. Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 1.5 + 0.25) * (random.Next(2) == 0 ? 1 : -1))];

    private static double[] Positive(Random random, int length) => [.. Enumerable.Range(0, length).Select(_ => random.NextDouble() * 2 + 0.5)];

    private static void AssertBits(double[] expected, double[] actual, string what) =>
        Assert.True(expected.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Select(BitConverter.DoubleToInt64Bits)),
            $"{what}: one point gives [{string.Join(", ", expected)}], the batch [{string.Join(", ", actual)}]");
}
