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

    [Fact]
    public void SetValue_ChangesLaterGraphsOnly_KeepingTheShape()
    {
        var g = new GraphBuilder();
        var w = g.Input("w", [1, 2, 3, 4], [2, 2]);
        var loss = g.Sum(w * w);
        var before = g.ToGraph();

        g.SetValue(w, [0, 1, 0, 1]);

        var after = InProcess.Evaluate(g.ToGraph(), loss.Id);
        Assert.Equal([2.0], after.ValueOf(loss.Id).Data);
        Assert.Equal([2, 2], after.ValueOf("w").Shape);
        Assert.Equal([0.0, 2, 0, 2], after.GradientOf("w")!.Data);
        Assert.Equal([30.0], InProcess.Evaluate(before, loss.Id).ValueOf(loss.Id).Data);
    }

    [Fact]
    public void SetValue_OnAnOpOrWithTheWrongLength_IsRefusedNamingTheNode()
    {
        var g = new GraphBuilder();
        var w = g.Input("w", [1, 2, 3, 4], [2, 2]);
        var square = g.Square(w);

        var op = Assert.Throws<ArgumentException>(() => g.SetValue(square, [1]));
        var length = Assert.Throws<ArgumentException>(() => g.SetValue(w, [1, 2, 3]));
        var foreign = Assert.Throws<ArgumentException>(() => new GraphBuilder().SetValue(w, [1, 2, 3, 4]));

        Assert.StartsWith("node 'square_1' is a square, not a leaf: only inputs and constants hold a value", op.Message);
        Assert.StartsWith("input 'w': shape [2, 2] needs 4 values but 3 were given", length.Message);
        Assert.StartsWith("node 'w' belongs to another GraphBuilder", foreign.Message);
        Assert.Equal([1.0, 2, 3, 4], g.ToGraph().Nodes[0].Input.Value.Values);
    }
}
