using GraphGrpc.Client.Building;
using GraphGrpc.Contracts;

namespace GraphGrpc.Client.Tests.Building;

public sealed class GraphOutputTests
{
    [Fact]
    public void ToGraph_IsACopy_ThatLeavesTheBuilderAlone()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", [1, 2]);
        _ = g.Sum(x * x);

        var first = g.ToGraph();
        first.Nodes[0].Input.Value.Values[0] = 99;
        first.Nodes[1].Inputs.Clear();
        first.Nodes.RemoveAt(2);

        var second = g.ToGraph();
        Assert.Equal(3, second.Nodes.Count);
        Assert.Equal([1.0, 2], second.Nodes[0].Input.Value.Values);
        Assert.Equal(["x", "x"], second.Nodes[1].Inputs);
    }

    [Fact]
    public void ToJson_ReadsBackAsTheSameGraph()
    {
        var g = new GraphBuilder();
        var w = g.Input("W", [1, 2, 3, 4, 5, 6], [2, 3]);
        _ = g.Softmax(g.Pow(g.Sum(w, [1], keepDims: true), 2), axis: 0, id: "p");

        var json = g.ToJson();

        Assert.Equal(g.ToGraph(), GraphFiles.Parse(json));
        Assert.Contains("\"keepDims\": true", json);
    }

    [Fact]
    public void Nodes_ComeInTheOrderAdded_EachAfterItsInputs()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 2);

        var z = g.Log(3 * x + 1);

        Assert.Equal(["x", "constant_1", "mul_1", "constant_2", "add_1", "log_1"], g.Nodes.Select(node => node.Id));
        Assert.Same(z, g.Nodes[^1]);
    }
}
