using GraphGrpc.Contracts;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Tensors;
using BatchResult = GraphGrpc.Engine.Batch.BatchResult;
using SharedGradients = GraphGrpc.Engine.Batch.SharedGradients;

namespace GraphGrpc.Engine.Tests.Batch;

/// <summary>Every point of a batch gets exactly what evaluating the graph alone at that point gives, bit for bit.</summary>
public sealed class BatchEvaluatorTests
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 30));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_RandomGraph_EachPointEqualsItsOwnEvaluation(int seed)
    {
        var random = new Random(seed);
        var (graph, batchInputs, output) = RandomBatchGraph.Create(random);
        var plan = GradientChecker.Compile(graph);
        var wrt = plan.Ids.Where((_, slot) => plan.Ops[slot] is Ops.Leaves.LeafOp { IsVariable: true }).ToArray();
        var request = new BatchRequest { BatchInputs = batchInputs, Outputs = [output], Wrt = wrt, SharedGradients = SharedGradients.PerPoint };
        // Small chunks, so that a batch spans several and the last is partial.
        var batchPlan = BatchPlan.Create(plan, request, chunkSize: 7);
        const int points = 23;
        var columns = batchInputs.Select(id => RandomColumn(random, points * Shapes.ElementCount(plan.Shapes[plan.SlotOf(id)]))).ToArray();

        var batch = BatchEvaluator.Evaluate(batchPlan, columns, points);

        for (var k = 0; k < points; k++)
        {
            var single = EvaluatePoint(graph, batchInputs, columns, k, request);
            AssertBits(single.ValueOf(output).Data, Point(batch.Outputs[0], k, single.ValueOf(output).Length), $"point {k}: {output}");
            for (var w = 0; w < wrt.Length; w++)
            {
                var expected = single.GradientOf(wrt[w])!.Data;
                AssertBits(expected, Point(batch.Gradients[w], k, expected.Length), $"point {k}: d{output}/d{wrt[w]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_SummedSharedGradients_EqualTheSumOverPoints(int seed)
    {
        var random = new Random(seed);
        var (graph, batchInputs, output) = RandomBatchGraph.Create(random);
        var plan = GradientChecker.Compile(graph);
        var shared = plan.Ids.Where((id, slot) => plan.Ops[slot] is Ops.Leaves.LeafOp { IsVariable: true } && !batchInputs.Contains(id)).ToArray();
        var request = new BatchRequest { BatchInputs = batchInputs, Outputs = [output], Wrt = shared };
        const int points = 40;
        var columns = batchInputs.Select(id => RandomColumn(random, points * Shapes.ElementCount(plan.Shapes[plan.SlotOf(id)]))).ToArray();

        var batch = BatchEvaluator.Evaluate(BatchPlan.Create(plan, request, chunkSize: 16), columns, points);

        for (var w = 0; w < shared.Length; w++)
        {
            var sum = new double[batch.Gradients[w].Length];
            for (var k = 0; k < points; k++)
            {
                var gradient = EvaluatePoint(graph, batchInputs, columns, k, request).GradientOf(shared[w])!.Data;
                for (var i = 0; i < sum.Length; i++)
                {
                    sum[i] += gradient[i];
                }
            }
            Assert.Equal(sum, batch.Gradients[w], new ToleranceComparer(1e-12));
        }
    }

    [Fact]
    public void Evaluate_Seed002AtManyPoints_GivesTheClosedForm()
    {
        var graph = GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json"));
        var plan = GradientChecker.Compile(graph);
        var request = new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["z"], Wrt = ["x", "y"] };
        double[] xs = [2, 1, 0.5, 3];
        double[] ys = [3, 1, 2, 0.25];

        var batch = BatchEvaluator.Evaluate(BatchPlan.Create(plan, request), [xs, ys], xs.Length);

        for (var k = 0; k < xs.Length; k++)
        {
            var (x, y) = (xs[k], ys[k]);
            var e = 3 * x * x + 5 * x * y;
            Assert.Equal(Math.Log(e), batch.Outputs[0][k], 1e-15);
            Assert.Equal((6 * x + 5 * y) / e, batch.Gradients[0][k], 1e-15);
            Assert.Equal(5 * x / e, batch.Gradients[1][k], 1e-15);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_SamePlanAgain_ReusesItsScratchAndGivesTheSameBits(int seed)
    {
        var random = new Random(seed);
        var (graph, batchInputs, output) = RandomBatchGraph.Create(random);
        var plan = GradientChecker.Compile(graph);
        var request = new BatchRequest { BatchInputs = batchInputs, Outputs = [output], SharedGradients = SharedGradients.PerPoint };
        var batchPlan = BatchPlan.Create(plan, request, chunkSize: 5);
        const int points = 17;
        double[][] Columns() => batchInputs.Select(id => RandomColumn(random, points * Shapes.ElementCount(plan.Shapes[plan.SlotOf(id)]))).ToArray();
        var (first, second) = (Columns(), Columns());

        var firstAlone = BatchEvaluator.Evaluate(BatchPlan.Create(plan, request, chunkSize: 5), first, points);
        BatchEvaluator.Evaluate(batchPlan, second, points);
        var firstAgain = BatchEvaluator.Evaluate(batchPlan, first, points);

        AssertBits(firstAlone.Outputs.SelectMany(c => c).ToArray(), firstAgain.Outputs.SelectMany(c => c).ToArray(), "outputs");
        AssertBits(firstAlone.Gradients.SelectMany(c => c).ToArray(), firstAgain.Gradients.SelectMany(c => c).ToArray(), "gradients");
    }

    [Theory]
    [InlineData(SharedGradients.PerPoint)]
    [InlineData(SharedGradients.Sum)]
    public void EvaluateInto_ReusedColumns_AreOverwrittenWithTheSameBits(SharedGradients shared)
    {
        var random = new Random(7);
        var (graph, batchInputs, output) = RandomBatchGraph.Create(random);
        var plan = GradientChecker.Compile(graph);
        var request = new BatchRequest { BatchInputs = batchInputs, Outputs = [output], SharedGradients = shared };
        var batchPlan = BatchPlan.Create(plan, request, chunkSize: 4);
        const int points = 11;
        var columns = batchInputs.Select(id => RandomColumn(random, points * Shapes.ElementCount(plan.Shapes[plan.SlotOf(id)]))).ToArray();
        var expected = BatchEvaluator.Evaluate(batchPlan, columns, points);
        var reused = BatchResult.Allocate(batchPlan, points);

        BatchEvaluator.EvaluateInto(batchPlan, columns, reused);
        BatchEvaluator.EvaluateInto(batchPlan, columns, reused);

        AssertBits(expected.Outputs.SelectMany(c => c).ToArray(), reused.Outputs.SelectMany(c => c).ToArray(), "outputs");
        AssertBits(expected.Gradients.SelectMany(c => c).ToArray(), reused.Gradients.SelectMany(c => c).ToArray(), "gradients");
    }

    [Fact]
    public void EvaluateInto_OneWorker_GivesTheBitsOfEveryCore()
    {
        var random = new Random(11);
        var (graph, batchInputs, output) = RandomBatchGraph.Create(random);
        var plan = GradientChecker.Compile(graph);
        var request = new BatchRequest { BatchInputs = batchInputs, Outputs = [output], SharedGradients = SharedGradients.Sum };
        var batchPlan = BatchPlan.Create(plan, request, chunkSize: 4);
        const int points = 37;
        var columns = batchInputs.Select(id => RandomColumn(random, points * Shapes.ElementCount(plan.Shapes[plan.SlotOf(id)]))).ToArray();
        var everyCore = BatchEvaluator.Evaluate(batchPlan, columns, points);

        var oneWorker = BatchEvaluator.EvaluateInto(batchPlan, columns, BatchResult.Allocate(batchPlan, points), maxWorkers: 1);

        AssertBits(everyCore.Outputs.SelectMany(c => c).ToArray(), oneWorker.Outputs.SelectMany(c => c).ToArray(), "outputs");
        AssertBits(everyCore.Gradients.SelectMany(c => c).ToArray(), oneWorker.Gradients.SelectMany(c => c).ToArray(), "gradients");
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchEvaluator.EvaluateInto(batchPlan, columns, oneWorker, maxWorkers: -1));
    }

    [Fact]
    public void EvaluateInto_ColumnsForAnotherPointCount_AreRejected()
    {
        var plan = GradientChecker.Compile(GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json")));
        var batchPlan = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["z"], Wrt = ["x", "y"] });
        var result = BatchResult.Allocate(batchPlan, 3) with { PointCount = 2 };

        var error = Assert.Throws<ArgumentException>(() => BatchEvaluator.EvaluateInto(batchPlan, [new double[2], new double[2]], result));

        Assert.StartsWith("the result columns do not fit 2 points of this plan", error.Message);
    }

    [Fact]
    public void Evaluate_NoPoints_GivesEmptyColumnsAndZeroSums()
    {
        // Found by the fuzz driver: an empty chunk asked Parallel.For for zero workers.
        var plan = GradientChecker.Compile(GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed003-squared-error.json")));
        var batchPlan = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["L"], Wrt = ["x", "w"] });

        var batch = BatchEvaluator.Evaluate(batchPlan, [[], []], 0);

        Assert.Empty(batch.Outputs[0]);
        Assert.Empty(batch.Gradients[0]);
        Assert.Equal([0.0], batch.Gradients[1]);
    }

    [Fact]
    public void Evaluate_ColumnOfTheWrongLength_NamesTheInput()
    {
        var plan = GradientChecker.Compile(GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed003-squared-error.json")));
        var batchPlan = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["L"] });

        var error = Assert.Throws<ArgumentException>(() => BatchEvaluator.Evaluate(batchPlan, [new double[3], new double[2]], 3));

        Assert.StartsWith("batch input 'y' has 2 values; 3 points need 3", error.Message);
    }

    [Fact]
    public void Create_BatchInputThatIsNotAnInputLeaf_IsRejected()
    {
        var plan = GradientChecker.Compile(GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed003-squared-error.json")));

        var error = Assert.Throws<ArgumentException>(() => BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["p"], Outputs = ["L"] }));

        Assert.StartsWith("node 'p' is a batch input but not an input leaf", error.Message);
    }

    private static EvaluationResult EvaluatePoint(Graph graph, string[] batchInputs, double[][] columns, int k, BatchRequest request)
    {
        var pointGraph = graph.Clone();
        for (var i = 0; i < batchInputs.Length; i++)
        {
            var node = pointGraph.Nodes.Single(n => n.Id == batchInputs[i]);
            var n = node.Input.Value.Values.Count;
            node.Input.Value.Values.Clear();
            node.Input.Value.Values.Add(columns[i].AsSpan(k * n, n).ToArray());
        }
        var plan = GradientChecker.Compile(pointGraph);
        return Evaluator.Evaluate(plan, new EvaluationRequest { Outputs = request.Outputs, Wrt = request.Wrt });
    }

    private static double[] Point(double[] column, int k, int n) => column.AsSpan(k * n, n).ToArray();

    private static double[] RandomColumn(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 1.5 + 0.25) * (random.Next(2) == 0 ? 1 : -1)).ToArray();

    private static void AssertBits(double[] expected, double[] actual, string what) =>
        Assert.True(expected.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Select(BitConverter.DoubleToInt64Bits)),
            $"{what}: one point gives [{string.Join(", ", expected)}], the batch [{string.Join(", ", actual)}]");
}
