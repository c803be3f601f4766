using GraphGrpc.Client.Building;
using GraphGrpc.Contracts;
using OpCase = GraphGrpc.Contracts.V1.Node.OpOneofCase;

namespace GraphGrpc.Client.Tests.Building;

/// <summary>
/// Each seed example, written with the builder as a user would (constants as plain doubles), gives
/// every node of the example's graph file the same value and gradient, bit for bit.
/// </summary>
public sealed class SeedExampleBuildTests
{
    private static readonly Dictionary<string, Action<GraphBuilder>> Builders = new()
    {
        ["seed000-gradient-flow.json"] = g =>
        {
            var a = g.Input("a", 0.5);
            var o = g.Input("o", 1);
            var b = g.Sub(5, g.Mul(3, a, id: "3a"), id: "b");
            var c = g.Add(g.Mul(2, b, id: "2b"), 3, id: "c");
            var d = g.Add(g.Mul(5, b, id: "5b"), 6, id: "d");
            var e = g.Add(g.Mul(7, c, id: "7c"), g.Square(d, id: "d^2"), id: "e");
            var f = g.Mul(2, e, id: "f");
            g.Sub(g.Mul(3, f, id: "3f"), o, id: "g");
        },
        ["seed001-neural-layer.json"] = g =>
        {
            var w = g.Input("W", [0.1, -0.2, 0.3, 0.4, 0.5, -0.6], [2, 3]);
            var x = g.Input("x", [1, 2, 3]);
            var b = g.Input("b", [0.05, -0.05]);
            var y = g.Sigmoid(g.Add(g.MatMul(w, x, id: "a"), b, id: "c"), id: "y");
            g.Sum(y, id: "loss");
        },
        ["seed001-sin-of-square.json"] = g =>
        {
            var x = g.Input("x", 1.2533141373155001);
            g.Sin(g.Square(x, id: "a"), id: "f");
        },
        ["seed001-sum-of-paths.json"] = g =>
        {
            var x = g.Input("x", 3);
            var y = g.Input("y", 2);
            g.Mul(g.Add(x, y, id: "a"), x, id: "f");
        },
        ["seed002-log-expression.json"] = g =>
        {
            var x = g.Input("x", 2);
            var y = g.Input("y", 3);
            var b = g.Mul(3, g.Pow(x, 2, id: "a"), id: "b");
            var d = g.Mul(5, g.Mul(x, y, id: "c"), id: "d");
            g.Log(g.Add(b, d, id: "e"), id: "z");
        },
        ["seed003-squared-error.json"] = g =>
        {
            var x = g.Input("x", 2);
            var w = g.Input("w", 3);
            var b = g.Input("b", 1);
            var y = g.Input("y", 5);
            g.Square(g.Sub(g.Add(g.Mul(x, w, id: "p"), b, id: "a"), y, id: "d"), id: "L");
        },
    };

    public static TheoryData<string> Examples() =>
        new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples"), "*.json").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Build_SeedExample_GivesEveryNodeTheFilesValueAndGradient(string example)
    {
        var file = GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", example));
        Assert.True(Builders.ContainsKey(example), $"{example} has no builder version in this test");
        var builder = new GraphBuilder();
        Builders[example](builder);
        var built = builder.ToGraph();

        var expected = InProcess.Evaluate(file);
        var actual = InProcess.Evaluate(built);

        Assert.Equal(expected.Request.Outputs, actual.Request.Outputs);
        // Each double becomes a constant of its own with an id the builder made; every other node has the file's id.
        var compared = file.Nodes.Where(node => node.OpCase != OpCase.Constant).ToList();
        Assert.Equal(compared.Count, built.Nodes.Count(node => node.OpCase != OpCase.Constant));
        foreach (var node in compared)
        {
            Assert.True(builder.Contains(node.Id), $"the built graph has no node '{node.Id}'");
            Assert.Equal(node.OpCase, built.Nodes.Single(n => n.Id == node.Id).OpCase);
            Assert.Equal(expected.ValueOf(node.Id).Shape, actual.ValueOf(node.Id).Shape);
            Assert.Equal(expected.ValueOf(node.Id).Data, actual.ValueOf(node.Id).Data);
            Assert.Equal(expected.GradientOf(node.Id)?.Data, actual.GradientOf(node.Id)?.Data);
        }
    }
}
