using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Differentiation;
using GradientSink = GraphGrpc.Engine.Differentiation.GradientSink;
using SeedInput = GraphGrpc.Engine.Differentiation.SeedInput;
using GraphGrpc.Engine.Evaluation;
using ProblemKind = GraphGrpc.Engine.Validation.ProblemKind;
using static GraphGrpc.Engine.Tests.Differentiation.AutodiffCases;
using Tensor = GraphGrpc.Engine.Tensors.Tensor;

namespace GraphGrpc.Engine.Tests.Differentiation;

/// <summary>The gradient as a graph: it computes Evaluate's gradients, and differentiating it again gives second and third derivatives.</summary>
public sealed class GradientGraphTests
{
    public static TheoryData<OpGradientTests.OpSpec> AllSpecs() => OpGradientTests.AllSpecs();

    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 20));

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Differentiate_EveryOp_GraphGivesEvaluatesGradients(OpGradientTests.OpSpec spec)
    {
        var (graph, _, loss) = ForOp(spec, new Random(spec.Name.GetHashCode(StringComparison.Ordinal)));
        AssertGivesEvaluatesGradients(graph, loss);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Differentiate_RandomDag_GraphGivesEvaluatesGradients(int seed)
    {
        var (graph, loss) = RandomDag(new Random(seed));
        AssertGivesEvaluatesGradients(graph, loss);
    }

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Differentiate_Twice_EveryOp_HessianVectorProductMatchesDifferencesOfGradients(OpGradientTests.OpSpec spec)
    {
        var random = new Random(spec.Name.GetHashCode(StringComparison.Ordinal) ^ 77);
        var (graph, _, loss) = ForOp(spec, random);
        AssertHessianVectorProducts(graph, loss, random);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Differentiate_Twice_RandomDag_HessianVectorProductMatchesDifferencesOfGradients(int seed)
    {
        var random = new Random(seed);
        var (graph, loss) = RandomDag(random);
        AssertHessianVectorProducts(graph, loss, random);
    }

    public static TheoryData<string, double, double> ThirdDerivatives() => new()
    {
        { "exp(2x)", 0.3, 8 * Math.Exp(0.6) },
        { "sin", 0.7, -Math.Cos(0.7) },
        { "x^5", 1.3, 60 * 1.3 * 1.3 },
        { "log", 1.7, 2 / (1.7 * 1.7 * 1.7) },
        { "tanh", 0.4, (1 - Math.Pow(Math.Tanh(0.4), 2)) * (6 * Math.Pow(Math.Tanh(0.4), 2) - 2) },
        { "sigmoid", -0.6, Sigmoid(-0.6) * (1 - Sigmoid(-0.6)) * (1 - 6 * Sigmoid(-0.6) + 6 * Sigmoid(-0.6) * Sigmoid(-0.6)) },
        { "x·exp(x)", 0.5, (0.5 + 3) * Math.Exp(0.5) },
    };

    [Theory]
    [MemberData(nameof(ThirdDerivatives))]
    public void Differentiate_ThreeTimes_ScalarFunction_MatchesClosedForm(string function, double x, double expected)
    {
        var builder = new GraphBuilder();
        builder.Input("x", x);
        switch (function)
        {
            case "exp(2x)":
                builder.Constant("2", 2);
                builder.Op("2x", n => n.Mul = new(), "2", "x");
                builder.Op("f", n => n.Exp = new(), "2x");
                break;
            case "x^5":
                builder.Op("f", n => n.Pow = new Pow { Exponent = 5 }, "x");
                break;
            case "x·exp(x)":
                builder.Op("ex", n => n.Exp = new(), "x");
                builder.Op("f", n => n.Mul = new(), "x", "ex");
                break;
            default:
                builder.Op("f", node => SetUnary(node, function), "x");
                break;
        }
        var graph = builder.Graph;
        var output = "f";
        for (var order = 0; order < 3; order++)
        {
            var result = AutodiffCases.Differentiate(graph, new DifferentiationRequest { Outputs = [output], Wrt = ["x"] });
            (graph, output) = (result.Graph!, result.Sinks.Single().SinkId);
        }

        Assert.Equal("grad(grad(grad(f, x), x), x)", output);
        var plan = GradientChecker.Compile(graph);
        var third = Evaluator.Forward(plan)[plan.SlotOf(output)].Data[0];
        Assert.True(Math.Abs(third - expected) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{function}''' at {x}: {third:R}, closed form {expected:R}");
    }

    [Fact]
    public void Differentiate_Seed002_ReadsLikeTheSeedsAlgebra()
    {
        var graph = Contracts.GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json"));

        var result = AutodiffCases.Differentiate(graph, new DifferentiationRequest());

        Assert.Equal([new GradientSink("grad(z, x)", "z", "x"), new GradientSink("grad(z, y)", "z", "y")], result.Sinks);
        string Describe(string id)
        {
            var node = result.Graph!.Nodes.Single(n => n.Id == id);
            return $"{node.OpCase}({string.Join(", ", node.Inputs)})";
        }
        // ∂z/∂e = 1/e, ∂z/∂a = 3 ∂z/∂e, ∂z/∂c = 5 ∂z/∂e, ∂z/∂y = x ∂z/∂c, ∂z/∂x = 2x ∂z/∂a + y ∂z/∂c.
        Assert.Equal("Div(1, e)", Describe("grad(z, e)"));
        Assert.Equal("Mul(grad(z, e), 3)", Describe("grad(z, a)"));
        Assert.Equal("Mul(grad(z, e), 5)", Describe("grad(z, c)"));
        Assert.Equal("Mul(grad(z, c), x)", Describe("grad(z, y)"));
        var sumOfPaths = result.Graph!.Nodes.Single(n => n.Id == "grad(z, x)");
        Assert.Equal(Node.OpOneofCase.Add, sumOfPaths.OpCase);
        Assert.Equal(["Mul(grad(z, a), t2)", "Mul(grad(z, c), y)"], sumOfPaths.Inputs.Select(Describe).Order(StringComparer.Ordinal));
        Assert.Equal("Mul(2, x)", Describe("t2"));
        // z itself is not needed, and nothing multiplies by one or adds zero.
        Assert.DoesNotContain(result.Graph.Nodes, n => n.Id == "z");
        Assert.Equal(19, result.Graph.Nodes.Count);

        var plan = GradientChecker.Compile(result.Graph);
        var values = Evaluator.Forward(plan);
        // At x = 2, y = 3: (6x + 5y) / (3x² + 5xy) = 27/42 and 5x / (3x² + 5xy) = 10/42.
        Assert.Equal(27.0 / 42, values[plan.SlotOf("grad(z, x)")].Data[0], 15);
        Assert.Equal(10.0 / 42, values[plan.SlotOf("grad(z, y)")].Data[0], 15);
    }

    [Fact]
    public void Differentiate_WrtNotUpstream_SinkIsZeros()
    {
        var builder = new GraphBuilder();
        builder.Input("x", [1, 2], 2);
        builder.Input("unused", [5, 6, 7], 3);
        builder.Op("f", n => n.Sum = new(), "x");

        var result = AutodiffCases.Differentiate(builder.Graph, new DifferentiationRequest { Outputs = ["f"], Wrt = ["x", "unused"] });

        var plan = GradientChecker.Compile(result.Graph!);
        var values = Evaluator.Forward(plan);
        Assert.Equal([1.0, 1.0], values[plan.SlotOf("grad(f, x)")].Data);
        Assert.Equal([0.0, 0.0, 0.0], values[plan.SlotOf("grad(f, unused)")].Data);
        Assert.Equal([3], values[plan.SlotOf("grad(f, unused)")].Shape);
    }

    [Fact]
    public void Differentiate_GradientThatIsALeaf_GetsASinkOfItsOwn()
    {
        var builder = new GraphBuilder();
        builder.Input("x", 2);
        builder.Input("y", 3);
        builder.Op("f", n => n.Mul = new(), "x", "y");

        var result = AutodiffCases.Differentiate(builder.Graph, new DifferentiationRequest());

        var sink = result.Graph!.Nodes.Single(n => n.Id == "grad(f, x)");
        Assert.Equal(Node.OpOneofCase.Identity, sink.OpCase);
        Assert.Equal(["y"], sink.Inputs);
    }

    [Fact]
    public void Differentiate_BadRequest_NamesEveryProblem()
    {
        var builder = new GraphBuilder();
        builder.Input("x", 2);
        builder.Op("f", n => n.Exp = new(), "x");
        builder.Op("g", n => n.Sin = new(), "x");

        var several = Differentiator.Differentiate(builder.Graph, new DifferentiationRequest());
        var unknown = Differentiator.Differentiate(builder.Graph, new DifferentiationRequest { Outputs = ["h"], Wrt = ["w"] });

        Assert.False(several.IsValid);
        Assert.Contains("name the output", Assert.Single(several.Problems).Message);
        Assert.Equal([("h", ProblemKind.UnknownOutput), ("w", ProblemKind.UnknownWrt)], unknown.Problems.Select(p => (p.NodeId, p.Kind)));
    }

    [Fact]
    public void Differentiate_SeedsAsInputs_SinkIsAVectorJacobianProduct()
    {
        var builder = new GraphBuilder();
        builder.Input("x", [1, 2, 3], 3);
        builder.Op("y", n => n.Square = new(), "x");

        var result = AutodiffCases.Differentiate(builder.Graph, new DifferentiationRequest { SeedsAsInputs = true });

        Assert.Equal([new SeedInput("seed(y)", "y")], result.Seeds);
        var values = Forward(result.Graph!, new Dictionary<string, Tensor> { ["seed(y)"] = new([3], [1, 10, 100]) });
        var plan = GradientChecker.Compile(result.Graph!);
        Assert.Equal([2.0, 40.0, 600.0], values[plan.SlotOf("grad(y, x)")].Data);
    }

    private static void AssertGivesEvaluatesGradients(Graph graph, string loss)
    {
        var plan = GradientChecker.Compile(graph);
        var inputs = Inputs(graph);
        var evaluated = Evaluator.Evaluate(plan, new EvaluationRequest { Outputs = [loss], Wrt = inputs });

        var result = AutodiffCases.Differentiate(graph, new DifferentiationRequest { Outputs = [loss] });

        Assert.Equal(inputs.Select(id => $"grad({loss}, {id})"), result.Sinks.Select(s => s.SinkId));
        var gradientPlan = GradientChecker.Compile(result.Graph!);
        var values = Evaluator.Forward(gradientPlan);
        foreach (var sink in result.Sinks)
        {
            AssertClose(evaluated.GradientOf(sink.Wrt)!.Data, values[gradientPlan.SlotOf(sink.SinkId)].Data, 1e-12, sink.SinkId);
            Assert.Equal(evaluated.GradientOf(sink.Wrt)!.Shape, values[gradientPlan.SlotOf(sink.SinkId)].Shape);
        }
    }

    /// <summary>
    /// Differentiates the gradient with respect to the first input w again, seeded by v as an input: the sink for x is
    /// Σᵢ vᵢ ∂²L/∂wᵢ∂x, which is also how ∇ₓL changes along v: (∇ₓL(w + hv) − ∇ₓL(w − hv)) / 2h.
    /// </summary>
    private static void AssertHessianVectorProducts(Graph graph, string loss, Random random)
    {
        var inputs = Inputs(graph);
        var w = inputs[0];
        var gradient = AutodiffCases.Differentiate(graph, new DifferentiationRequest { Outputs = [loss] });
        var sinkOfW = gradient.Sinks.Single(s => s.Wrt == w).SinkId;
        var hvp = AutodiffCases.Differentiate(gradient.Graph!, new DifferentiationRequest { Outputs = [sinkOfW], Wrt = inputs, SeedsAsInputs = true });
        var at = InputValues(graph);
        var v = RandomLike(at[w], random);
        var hvpPlan = GradientChecker.Compile(WithInputs(hvp.Graph!, new Dictionary<string, Tensor> { [hvp.Seeds.Single().SeedId] = v }));
        var hvpValues = Evaluator.Forward(hvpPlan);

        const double h = 1e-5;
        var direction = new Dictionary<string, Tensor> { [w] = v };
        var upPlan = GradientChecker.Compile(WithInputs(graph, Step(at, direction, h)));
        var downPlan = GradientChecker.Compile(WithInputs(graph, Step(at, direction, -h)));
        var up = Evaluator.Evaluate(upPlan, new EvaluationRequest { Outputs = [loss], Wrt = inputs });
        var down = Evaluator.Evaluate(downPlan, new EvaluationRequest { Outputs = [loss], Wrt = inputs });
        foreach (var sink in hvp.Sinks)
        {
            var expected = up.GradientOf(sink.Wrt)!.Data.Select((g, i) => (g - down.GradientOf(sink.Wrt)!.Data[i]) / (2 * h)).ToArray();
            AssertClose(expected, hvpValues[hvpPlan.SlotOf(sink.SinkId)].Data, 1e-6, sink.SinkId);
        }
    }

    private static void SetUnary(Node node, string name)
    {
        switch (name)
        {
            case "sin": node.Sin = new(); break;
            case "log": node.Log = new(); break;
            case "tanh": node.Tanh = new(); break;
            case "sigmoid": node.Sigmoid = new(); break;
            default: throw new ArgumentException(name);
        }
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
