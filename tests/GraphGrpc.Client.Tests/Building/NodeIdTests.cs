using GraphGrpc.Client.Building;

namespace GraphGrpc.Client.Tests.Building;

public sealed class NodeIdTests
{
    [Fact]
    public void MadeIds_CountEachOpFromOne()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 3);

        var first = x * x;
        var second = first * 2;
        var sum = first + second;

        Assert.Equal(["x", "mul_1", "constant_1", "mul_2", "add_1"], g.Nodes.Select(node => node.Id));
        Assert.Equal("add_1", sum.Id);
    }

    [Fact]
    public void MadeIds_SkipIdsAlreadyGiven()
    {
        var g = new GraphBuilder();
        var x = g.Input("mul_1", 3);
        g.Neg(x, id: "mul_2");

        var product = x * x;

        Assert.Equal("mul_3", product.Id);
    }

    [Fact]
    public void GivenId_TakenByAMadeOne_IsRefused()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 3);
        var made = -x;

        var e = Assert.Throws<ArgumentException>(() => g.Exp(x, id: made.Id));

        Assert.StartsWith("the graph already has a node 'neg_1'", e.Message);
    }

    [Fact]
    public void ManyNodes_AllHaveDistinctIds_ThatTheEngineAccepts()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 0.5);
        var node = x;
        for (var i = 0; i < 1000; i++)
        {
            // Given ids in the same shape as made ones, so that the made ones must step around them.
            node = i % 7 == 0 ? g.Sin(node + 1, id: $"sin_{i + 2}") : i % 2 == 0 ? g.Sin(node * 0.5) : node - x;
        }

        var ids = g.ToGraph().Nodes.Select(n => n.Id).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Count, InProcess.Compile(g.ToGraph()).Plan!.Count);
    }

    [Fact]
    public void Indexer_GivesTheSameHandle_AndNamesAMissingId()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 3);

        Assert.Same(x, g["x"]);
        Assert.True(g.Contains("x"));
        var e = Assert.Throws<KeyNotFoundException>(() => g["y"]);
        Assert.Equal("the graph has no node 'y'", e.Message);
    }
}
