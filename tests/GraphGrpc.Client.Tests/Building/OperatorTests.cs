using GraphGrpc.Client.Building;
using GraphGrpc.Contracts;
using OpCase = GraphGrpc.Contracts.V1.Node.OpOneofCase;

namespace GraphGrpc.Client.Tests.Building;

public sealed class OperatorTests
{
    /// <summary>Every operator overload, with a node or a double on each side, applied at x = 3.</summary>
    private static readonly Dictionary<string, Func<NodeRef, NodeRef>> Expressions = new()
    {
        ["x + x"] = x => x + x,
        ["x + 2"] = x => x + 2,
        ["2 + x"] = x => 2 + x,
        ["x - x"] = x => x - x,
        ["x - 2"] = x => x - 2,
        ["2 - x"] = x => 2 - x,
        ["x * x"] = x => x * x,
        ["x * 2"] = x => x * 2,
        ["2 * x"] = x => 2 * x,
        ["x / x"] = x => x / x,
        ["x / 2"] = x => x / 2,
        ["2 / x"] = x => 2 / x,
        ["-x"] = x => -x,
    };

    [Theory]
    [InlineData("x + x", 6, 2)]
    [InlineData("x + 2", 5, 1)]
    [InlineData("2 + x", 5, 1)]
    [InlineData("x - x", 0, 0)]
    [InlineData("x - 2", 1, 1)]
    [InlineData("2 - x", -1, -1)]
    [InlineData("x * x", 9, 6)]
    [InlineData("x * 2", 6, 2)]
    [InlineData("2 * x", 6, 2)]
    [InlineData("x / x", 1, 0)]
    [InlineData("x / 2", 1.5, 0.5)]
    [InlineData("2 / x", 2.0 / 3, -2.0 / 9)]
    [InlineData("-x", -3, -1)]
    public void Operator_AtThree_HasTheValueAndGradientOfTheExpression(string expression, double value, double gradient)
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 3);

        var result = Expressions[expression](x);

        var evaluated = InProcess.Evaluate(g.ToGraph(), result.Id);
        Assert.Equal(value, evaluated.ValueOf(result.Id).Data.Single(), 1e-15);
        Assert.Equal(gradient, evaluated.GradientOf("x")!.Data.Single(), 1e-15);
    }

    [Fact]
    public void Operator_EveryOverload_IsInTheTable()
    {
        var operators = typeof(NodeRef).GetMethods().Count(method => method.Name.StartsWith("op_", StringComparison.Ordinal));

        Assert.Equal(operators, Expressions.Count);
    }

    [Fact]
    public void Operator_DoubleOnTheLeft_IsAScalarConstantAndTheFirstOperand()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 3);

        var d = 2 / x;

        var graph = g.ToGraph();
        var div = graph.Nodes.Single(node => node.Id == d.Id);
        Assert.Equal(OpCase.Div, div.OpCase);
        var constant = graph.Nodes.Single(node => node.Id == div.Inputs[0]);
        Assert.Equal(OpCase.Constant, constant.OpCase);
        Assert.Empty(constant.Constant.Value.Shape);
        Assert.Equal([2.0], constant.Constant.Value.Values);
        Assert.Equal("x", div.Inputs[1]);
        Assert.Equal("div", d.Op);
    }

    [Fact]
    public void Operators_Seed002_GiveTheFilesValueAndGradients()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 2);
        var y = g.Input("y", 3);

        var z = g.Log(3 * g.Pow(x, 2) + 5 * (x * y));

        var expected = InProcess.Evaluate(GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed002-log-expression.json")));
        var actual = InProcess.Evaluate(g.ToGraph());
        Assert.Equal(expected.ValueOf("z").Data, actual.ValueOf(z.Id).Data);
        Assert.Equal(expected.GradientOf("x")!.Data, actual.GradientOf("x")!.Data);
        Assert.Equal(expected.GradientOf("y")!.Data, actual.GradientOf("y")!.Data);
    }

    [Fact]
    public void Operators_Seed000_GiveTheFilesValueAndGradients()
    {
        var g = new GraphBuilder();
        var a = g.Input("a", 0.5);
        var o = g.Input("o", 1);

        var b = 5 - 3 * a;
        var c = 2 * b + 3;
        var d = 5 * b + 6;
        var e = 7 * c + g.Square(d);
        var output = 3 * (2 * e) - o;

        var expected = InProcess.Evaluate(GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", "seed000-gradient-flow.json")));
        var actual = InProcess.Evaluate(g.ToGraph());
        Assert.Equal(expected.ValueOf("g").Data, actual.ValueOf(output.Id).Data);
        Assert.Equal(expected.GradientOf("a")!.Data, actual.GradientOf("a")!.Data);
        Assert.Equal(expected.GradientOf("o")!.Data, actual.GradientOf("o")!.Data);
    }
}
