using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Evaluation;
using static GraphGrpc.Engine.Tests.Differentiation.AutodiffCases;
using ProblemKind = GraphGrpc.Engine.Validation.ProblemKind;
using Tensor = GraphGrpc.Engine.Tensors.Tensor;

namespace GraphGrpc.Engine.Tests.Differentiation;

/// <summary>Forward mode: every node's tangent against central differences, and the loss's against the gradient's dot product with the tangent.</summary>
public sealed class TangentTests
{
    public static TheoryData<OpGradientTests.OpSpec> AllSpecs() => OpGradientTests.AllSpecs();

    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 20));

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Evaluate_WithTangents_EveryOp_MatchesCentralDifferences(OpGradientTests.OpSpec spec)
    {
        var random = new Random(spec.Name.GetHashCode(StringComparison.Ordinal) ^ 31);
        var (graph, _, loss) = ForOp(spec, random);
        AssertTangents(graph, loss, random);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_WithTangents_RandomDag_MatchesCentralDifferences(int seed)
    {
        var random = new Random(seed);
        var (graph, loss) = RandomDag(random);
        AssertTangents(graph, loss, random);
    }

    [Fact]
    public void Evaluate_WithTangentOnOneLeaf_OthersAreZero()
    {
        var builder = new GraphBuilder();
        builder.Input("x", 2);
        builder.Input("y", 3);
        builder.Op("f", n => n.Mul = new(), "x", "y");
        var plan = GradientChecker.Compile(builder.Graph);

        var result = Evaluator.Evaluate(plan, new EvaluationRequest { Tangents = new Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(1) } });

        // Seed 001's forward derivative: df/dx = y.
        Assert.Equal(3.0, result.TangentOf("f")!.Data[0]);
        Assert.Equal(1.0, result.TangentOf("x")!.Data[0]);
        Assert.Equal(0.0, result.TangentOf("y")!.Data[0]);
    }

    [Fact]
    public void Evaluate_WithoutTangents_HasNone()
    {
        var builder = new GraphBuilder();
        builder.Input("x", 2);
        builder.Op("f", n => n.Exp = new(), "x");

        var result = Evaluator.Evaluate(GradientChecker.Compile(builder.Graph), new EvaluationRequest());

        Assert.Null(result.Tangents);
        Assert.Null(result.TangentOf("f"));
    }

    [Fact]
    public void Evaluate_WithTangents_ObserverHearsEachTangentRightAfterItsValue()
    {
        var (graph, loss) = RandomDag(new Random(5));
        var plan = GradientChecker.Compile(graph);
        var tangents = InputValues(graph).ToDictionary(pair => pair.Key, pair => RandomLike(pair.Value, new Random(1)));
        var heard = new List<string>();

        var result = Evaluator.Evaluate(plan, new EvaluationRequest { Outputs = [loss], Tangents = tangents }, new Recorder(plan, heard));

        Assert.Equal(Enumerable.Range(0, plan.Count).SelectMany(slot => new[] { $"value {plan.Ids[slot]}", $"tangent {plan.Ids[slot]}" }),
            heard.Where(line => !line.StartsWith("gradient", StringComparison.Ordinal)));
        Assert.NotNull(result.GradientOf(loss));
    }

    [Fact]
    public void CheckRequest_BadTangents_NameTheirNodes()
    {
        var builder = new GraphBuilder();
        builder.Input("x", [1, 2], 2);
        builder.Constant("c", 3);
        builder.Op("f", n => n.Mul = new(), "x", "c");
        var compilation = Compilation.GraphCompiler.Compile(builder.Graph);

        var problems = compilation.CheckRequest(new EvaluationRequest
        {
            Tangents = new Dictionary<string, Tensor>
            {
                ["nowhere"] = Tensor.Scalar(1),
                ["c"] = Tensor.Scalar(1),
                ["f"] = new([2], [1, 1]),
                ["x"] = new([3], [1, 1, 1]),
            },
        });

        Assert.Equal(
            [("nowhere", ProblemKind.UnknownNode), ("c", ProblemKind.InvalidValue), ("f", ProblemKind.InvalidValue), ("x", ProblemKind.InvalidValue)],
            problems.Select(p => (p.NodeId, p.Kind)));
        Assert.Contains("not an input leaf", problems[1].Message);
        Assert.Equal("tangent has shape [3] but the input has shape [2]", problems[3].Message);
    }

    /// <summary>
    /// Each node's tangent against (f(x + hv) − f(x − hv)) / 2h, and the loss's against ∇L · v, which reverse mode
    /// gives independently.
    /// </summary>
    private static void AssertTangents(Graph graph, string loss, Random random)
    {
        var plan = GradientChecker.Compile(graph);
        var at = InputValues(graph);
        var tangents = at.ToDictionary(pair => pair.Key, pair => RandomLike(pair.Value, random));

        var result = Evaluator.Evaluate(plan, new EvaluationRequest { Outputs = [loss], Tangents = tangents });

        const double h = 1e-6;
        var up = Forward(graph, Step(at, tangents, h));
        var down = Forward(graph, Step(at, tangents, -h));
        for (var slot = 0; slot < plan.Count; slot++)
        {
            var expected = up[slot].Data.Select((y, i) => (y - down[slot].Data[i]) / (2 * h)).ToArray();
            Assert.Equal(plan.Shapes[slot], result.Tangents![slot].Shape);
            AssertClose(expected, result.Tangents[slot].Data, 1e-6, $"tangent of {plan.Ids[slot]}");
        }
        var dot = tangents.Sum(pair => result.GradientOf(pair.Key)!.Data.Select((g, i) => g * pair.Value.Data[i]).Sum());
        AssertClose([dot], result.TangentOf(loss)!.Data, 1e-12, $"tangent of {loss} against the gradient's dot product");
    }

    private sealed class Recorder(Compilation.Plan plan, List<string> heard) : IEvaluationObserver
    {
        public void OnValue(int slot, Tensor value) => heard.Add($"value {plan.Ids[slot]}");

        public void OnTangent(int slot, Tensor tangent) => heard.Add($"tangent {plan.Ids[slot]}");

        public void OnGradient(int slot, Tensor gradient) => heard.Add($"gradient {plan.Ids[slot]}");
    }
}
