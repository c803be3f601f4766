using GraphGrpc.Client.Building;

namespace GraphGrpc.Client.Tests.Building;

/// <summary>Mistakes the builder can see throw at once, say what and where, and leave the builder as it was.</summary>
public sealed class MisuseTests
{
    [Fact]
    public void Operand_FromAnotherBuilder_IsRefusedByMethodAndOperator()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 1);
        var y = new GraphBuilder().Input("y", 2);

        var method = Assert.Throws<ArgumentException>(() => g.Add(x, y, id: "s"));
        var op = Assert.Throws<ArgumentException>(() => x * y);

        Assert.Equal("operand 2 of add 's' is node 'y' of another GraphBuilder; a graph can only use its own nodes", method.Message);
        Assert.StartsWith("operand 2 of mul is node 'y' of another GraphBuilder", op.Message);
        Assert.Single(g.Nodes);
    }

    [Fact]
    public void Operand_Null_IsNamedByPosition()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 1);
        NodeRef? missing = null;

        var method = Assert.Throws<ArgumentNullException>(() => g.Mul(2, missing));
        var op = Assert.Throws<ArgumentNullException>(() => missing! - x);
        var unary = Assert.Throws<ArgumentNullException>(() => -missing!);

        Assert.Equal("operand 2 of mul is null", method.Message);
        Assert.Equal("operand 1 of sub is null", op.Message);
        Assert.Equal("an operator on nodes was given null for its node", unary.Message);
        Assert.Single(g.Nodes);
    }

    [Fact]
    public void GivenId_Repeated_IsRefusedWithoutLeavingItsConstantBehind()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 1);

        var e = Assert.Throws<ArgumentException>(() => g.Mul(3, x, id: "x"));

        Assert.StartsWith("the graph already has a node 'x'", e.Message);
        Assert.Equal(["x"], g.Nodes.Select(node => node.Id));
        Assert.Single(g.ToGraph().Nodes);
    }

    [Fact]
    public void GivenId_Empty_IsRefused()
    {
        var g = new GraphBuilder();

        var input = Assert.Throws<ArgumentException>(() => g.Input("", 1));
        var op = Assert.Throws<ArgumentException>(() => g.Constant(1, id: ""));

        Assert.StartsWith("a node id must not be empty", input.Message);
        Assert.StartsWith("a node id must not be empty", op.Message);
        Assert.Empty(g.Nodes);
    }

    [Fact]
    public void Input_WithoutId_IsRefused()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new GraphBuilder().Input(null!, 1));

        Assert.StartsWith("an input needs an id", e.Message);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4, 5 }, new long[] { 2, 3 }, "input 'W': shape [2, 3] needs 6 values but 5 were given")]
    [InlineData(new[] { 1.0 }, new long[] { }, null)]
    [InlineData(new[] { 1.0, 2 }, new long[] { }, "input 'W': shape [] needs 1 values but 2 were given")]
    [InlineData(new double[] { }, new long[] { 2, -1 }, "input 'W': shape [2, -1] has a negative dimension")]
    [InlineData(new double[] { }, new long[] { 4_000_000_000, 4_000_000_000, 0 }, null)]
    [InlineData(new double[] { }, new long[] { 4_294_967_296, 4_294_967_296 }, "input 'W': shape [4294967296, 4294967296] needs 1.8446744073709552E+19 values but 0 were given")]
    public void Leaf_DataThatDoesNotFillItsShape_IsRefusedNamingTheLeaf(double[] values, long[] shape, string? expected)
    {
        var g = new GraphBuilder();

        if (expected is null)
        {
            Assert.Equal("W", g.Input("W", values, shape).Id);
            return;
        }
        var e = Assert.Throws<ArgumentException>(() => g.Input("W", values, shape));
        Assert.StartsWith(expected, e.Message);
        Assert.Empty(g.Nodes);
    }

    [Fact]
    public void Constant_DataThatDoesNotFillItsShape_IsRefusedNamingTheConstant()
    {
        var g = new GraphBuilder();

        var unnamed = Assert.Throws<ArgumentException>(() => g.Constant([1, 2], [3]));
        var named = Assert.Throws<ArgumentException>(() => g.Constant([1, 2], [3], id: "k"));

        Assert.StartsWith("a constant: shape [3] needs 3 values but 2 were given", unnamed.Message);
        Assert.StartsWith("constant 'k': shape [3] needs 3 values but 2 were given", named.Message);
    }
}
