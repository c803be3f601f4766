using GraphGrpc.Contracts;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Kernels;
using BatchResult = GraphGrpc.Engine.Batch.BatchResult;
using SharedGradients = GraphGrpc.Engine.Batch.SharedGradients;

namespace GraphGrpc.Engine.Tests.Batch;

/// <summary>A plan fused into one loop gives every point the bits the unfused steps give it, and those of a one-point evaluation.</summary>
public sealed class FusionTests
{
    private static readonly bool CanFuseHere = VectorLanes.ForThisMachine() is not null;

    /// <summary>The ops with lane formulas, each with a node builder; log and sqrt take a square plus one, to stay in their domain.</summary>
    private static readonly (string Name, int Arity, Action<Node> SetOp)[] FusibleOps =
    [
        ("add", 2, n => n.Add = new()), ("sub", 2, n => n.Sub = new()), ("mul", 2, n => n.Mul = new()), ("div", 2, n => n.Div = new()),
        ("neg", 1, n => n.Neg = new()), ("exp", 1, n => n.Exp = new()), ("square", 1, n => n.Square = new()),
        ("sin", 1, n => n.Sin = new()), ("cos", 1, n => n.Cos = new()), ("tanh", 1, n => n.Tanh = new()),
        ("sigmoid", 1, n => n.Sigmoid = new()), ("pow2", 1, n => n.Pow = new Pow { Exponent = 2 }),
        ("log", 1, n => n.Log = new()), ("sqrt", 1, n => n.Sqrt = new()),
    ];

    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 25));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_RandomElementwiseGraph_FusedGivesTheUnfusedBitsAtEveryPoint(int seed)
    {
        var random = new Random(seed);
        var (graph, output) = RandomElementwiseGraph(random);
        var plan = GradientChecker.Compile(graph);
        var request = new BatchRequest { BatchInputs = ["x0", "x1"], Outputs = [output], Wrt = ["x0", "x1", "w"], SharedGradients = SharedGradients.PerPoint };
        // Enough points for whole vectors in every chunk and a ragged end.
        var points = 3 * 16 + random.Next(16);
        var columns = new[] { Column(random, points), Column(random, points) };

        var fused = BatchPlan.Create(plan, request, chunkSize: 16, fuse: true);
        var unfused = BatchPlan.Create(plan, request, chunkSize: 16, fuse: false);

        Assert.Equal(CanFuseHere, fused.Fused is not null);
        Assert.Null(unfused.Fused);
        AssertSameBits(BatchEvaluator.Evaluate(unfused, columns, points), BatchEvaluator.Evaluate(fused, columns, points));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_RandomElementwiseGraph_FusedPointsEqualTheirOwnEvaluation(int seed)
    {
        var random = new Random(seed);
        var (graph, output) = RandomElementwiseGraph(random);
        var plan = GradientChecker.Compile(graph);
        string[] wrt = ["x0", "x1"];
        const int points = 19;
        var columns = new[] { Column(random, points), Column(random, points) };

        var batch = BatchEvaluator.Evaluate(BatchPlan.Create(plan, new BatchRequest { BatchInputs = wrt, Outputs = [output], Wrt = wrt }), columns, points);

        for (var k = 0; k < points; k++)
        {
            var point = graph.Clone();
            for (var i = 0; i < 2; i++)
            {
                var values = point.Nodes.Single(n => n.Id == wrt[i]).Input.Value.Values;
                values.Clear();
                values.Add(columns[i][k]);
            }
            var single = Evaluator.Evaluate(GradientChecker.Compile(point), new EvaluationRequest { Outputs = [output], Wrt = wrt });
            Assert.Equal(Bits(single.ValueOf(output).Data[0]), Bits(batch.Outputs[0][k]));
            Assert.Equal(Bits(single.GradientOf("x0")!.Data[0]), Bits(batch.Gradients[0][k]));
            Assert.Equal(Bits(single.GradientOf("x1")!.Data[0]), Bits(batch.Gradients[1][k]));
        }
    }

    [Fact]
    public void Create_Seed002_Fuses()
    {
        var plan = GradientChecker.Compile(GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json")));

        var batch = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["z"], Wrt = ["x", "y"] });

        Assert.Equal(CanFuseHere, batch.Fused is not null);
        Assert.Equal(0, batch.ChunkSize % (batch.Fused?.Lanes ?? 1));
    }

    [Fact]
    public void Create_OpWithoutLaneFormula_DoesNotFuse()
    {
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        b.Op("r", n => n.Relu = new(), "x");
        b.Op("e", n => n.Exp = new(), "r");
        var plan = GradientChecker.Compile(b.Graph);

        Assert.Null(BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x"], Outputs = ["e"] }).Fused);
    }

    [Fact]
    public void Create_SummedSharedGradient_DoesNotFuse()
    {
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        b.Input("w", 2);
        b.Op("p", n => n.Mul = new(), "x", "w");
        var plan = GradientChecker.Compile(b.Graph);

        var batch = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x"], Outputs = ["p"], Wrt = ["w"], SharedGradients = SharedGradients.Sum });

        Assert.Null(batch.Fused);
    }

    [Fact]
    public void Evaluate_UnreachedWrtAndDuplicateOutputs_AreWrittenByTheFusedLoopToo()
    {
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        b.Input("y", 0.5);
        b.Op("s", n => n.Sin = new(), "x");
        var plan = GradientChecker.Compile(b.Graph);
        var request = new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["s", "s"], Wrt = ["x", "y"] };
        const int points = 21;
        var columns = new[] { Enumerable.Range(0, points).Select(k => 0.1 * k).ToArray(), new double[points] };
        var result = BatchResult.Allocate(BatchPlan.Create(plan, request), points);
        Array.Fill(result.Gradients[1], double.NaN);

        BatchEvaluator.EvaluateInto(BatchPlan.Create(plan, request), columns, result);

        Assert.Equal(result.Outputs[0], result.Outputs[1]);
        Assert.Equal(columns[0].Select(SinKernel.Sin), result.Outputs[0]);
        Assert.Equal(columns[0].Select(CosKernel.Cos), result.Gradients[0]);
        Assert.All(result.Gradients[1], g => Assert.Equal(0.0, g));
    }

    /// <summary>A random DAG of fusible ops over the per-point inputs x0 and x1, a shared input w and a constant, folded into one output by adds.</summary>
    private static (Graph Graph, string Output) RandomElementwiseGraph(Random random)
    {
        var b = new GraphBuilder();
        var nodes = new List<string> { b.Input("x0", 0.5), b.Input("x1", 0.5), b.Input("w", 0.75), b.Constant("c", -1.25) };
        var consumed = new HashSet<string>();
        string Pick() => nodes[Math.Max(0, nodes.Count - 1 - random.Next(8))];
        var count = random.Next(6, 30);
        for (var i = 0; i < count; i++)
        {
            var (name, arity, setOp) = FusibleOps[random.Next(FusibleOps.Length)];
            var a = Pick();
            if (name is "log" or "sqrt")
            {
                var square = b.Op($"sq{i}", n => n.Square = new(), a);
                a = b.Op($"pos{i}", n => n.Add = new(), square, "w");
                consumed.UnionWith([square, "w"]);
            }
            else if (name is "exp")
            {
                a = b.Op($"bound{i}", n => n.Tanh = new(), a);
            }
            string[] inputs = arity == 1 ? [a] : [a, Pick()];
            consumed.UnionWith(inputs);
            nodes.Add(b.Op($"n{i}", setOp, inputs));
        }
        var sinks = nodes.Where(n => !consumed.Contains(n) && n is not ("x0" or "x1" or "w" or "c")).ToList();
        var output = sinks[0];
        for (var i = 1; i < sinks.Count; i++)
        {
            output = b.Op($"total{i}", n => n.Add = new(), output, sinks[i]);
        }
        // Both inputs reach the output, so that each has a gradient to compare.
        output = b.Op("out", n => n.Add = new(), b.Op("xs", n => n.Mul = new(), "x0", "x1"), output);
        return (b.Graph, output);
    }

    private static double[] Column(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 1.5 + 0.25) * (random.Next(2) == 0 ? 1 : -1)).ToArray();

    private static void AssertSameBits(BatchResult expected, BatchResult actual)
    {
        foreach (var (e, a) in expected.Outputs.Concat(expected.Gradients).Zip(actual.Outputs.Concat(actual.Gradients)))
        {
            Assert.Equal(e.Select(Bits), a.Select(Bits));
        }
    }

    private static long Bits(double x) => BitConverter.DoubleToInt64Bits(x);
}
