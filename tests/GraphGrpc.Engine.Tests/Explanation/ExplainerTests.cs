using GraphGrpc.Engine.Explanation;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>The edges of the question: a node explained with respect to itself, one not upstream, the same input twice, a very deep chain.</summary>
public sealed class ExplainerTests
{
    [Fact]
    public void Explain_OutputWithRespectToItself_IsOneEmptyPathCarryingTheSeed()
    {
        var explanation = Explaining.Explain(Explaining.Example("seed000-gradient-flow.json"),
            new ExplanationRequest { Output = "e", Wrt = "e", Seed = Tensors.Tensor.Scalar(2.5) });

        var path = Assert.Single(explanation.TopPaths);
        Assert.Equal(["e"], path.NodeIds);
        Assert.Empty(path.Operands);
        Assert.Equal(2.5, path.Contribution.Data.Single());
        Assert.Equal(1, explanation.PathCount);
        Assert.Equal(["e"], explanation.Through);
        Assert.Empty(explanation.Edges);
    }

    [Fact]
    public void Explain_NodeNotUpstream_HasNoPathAndGradientZero()
    {
        var graph = Explaining.Example("seed000-gradient-flow.json");
        var request = new ExplanationRequest { Output = "f", Wrt = "o" };

        var explanation = Explaining.Explain(graph, request);

        Assert.Equal(0, explanation.PathCount);
        Assert.Empty(explanation.TopPaths);
        Assert.Empty(explanation.Through);
        Assert.Empty(explanation.Blocks);
        Assert.Empty(explanation.Edges);
        Assert.Equal(0, explanation.Total.Data.Single());
        Assert.Equal(Explaining.Gradient(graph, request).Data, explanation.Total.Data);
    }

    [Fact]
    public void Explain_SameInputTwice_CountsBothEdgesAsPaths()
    {
        var builder = new GraphBuilder();
        builder.Input("x", 3);
        builder.Op("y", n => n.Mul = new(), "x", "x");

        var explanation = Explaining.Explain(builder.Graph, new ExplanationRequest { Output = "y", Wrt = "x" });

        Assert.Equal(2, explanation.PathCount);
        Assert.Equal([[0], [1]], explanation.TopPaths.Select(path => path.Operands));
        Assert.All(explanation.TopPaths, path => Assert.Equal(3, path.Contribution.Data.Single()));
        var block = Assert.Single(explanation.Blocks);
        Assert.Equal(("y", "x", 6.0), (block.ForkId, block.JoinId, block.Local.Data.Single()));
    }

    [Fact]
    public void Explain_NegativeLocalGradients_RankByMagnitudeAndKeepTheirSign()
    {
        var builder = new GraphBuilder();
        builder.Input("x", 2);
        builder.Constant("k", 5);
        builder.Op("minus", n => n.Neg = new(), "x");
        builder.Op("scaled", n => n.Mul = new(), "minus", "k");
        builder.Op("y", n => n.Add = new(), "scaled", "x");

        var explanation = Explaining.Explain(builder.Graph, new ExplanationRequest { Output = "y", Wrt = "x" });

        Assert.Equal([-5.0, 1], explanation.TopPaths.Select(path => path.Contribution.Data.Single()));
        Assert.Equal([5.0, 1], explanation.TopPaths.Select(path => path.Norm));
        Assert.Equal(-4, explanation.Total.Data.Single());
    }

    [Fact]
    public void Explain_PathThroughANaN_RanksFirst()
    {
        var builder = new GraphBuilder();
        builder.Input("x", -1);
        builder.Constant("k", 5);
        builder.Op("scaled", n => n.Mul = new(), "x", "k");
        builder.Op("root", n => n.Sqrt = new(), "x");
        builder.Op("y", n => n.Add = new(), "scaled", "root");

        var explanation = Explaining.Explain(builder.Graph, new ExplanationRequest { Output = "y", Wrt = "x", TopK = 1 });

        var path = Assert.Single(explanation.TopPaths);
        Assert.Equal(["y", "root", "x"], path.NodeIds);
        Assert.True(double.IsNaN(path.Norm));
        Assert.True(double.IsNaN(explanation.Total.Data.Single()));
    }

    [Fact]
    public void Explain_ChainOfThreeHundredThousandNodes_NeedsNoRecursion()
    {
        const int length = 300_000;
        var builder = new GraphBuilder();
        builder.Input("x", 0.5);
        builder.Constant("k", 1.000001);
        for (var i = 1; i <= length; i++)
        {
            builder.Op($"n{i}", n => n.Mul = new(), i == 1 ? "x" : $"n{i - 1}", "k");
        }

        var explanation = Explaining.Explain(builder.Graph, new ExplanationRequest { Output = $"n{length}", Wrt = "x" });

        Assert.Equal(1, explanation.PathCount);
        Assert.Equal(length + 1, explanation.Through.Count);
        Assert.Equal(length + 1, Assert.Single(explanation.TopPaths).NodeIds.Count);
        Assert.Equal(Math.Pow(1.000001, length), explanation.Total.Data.Single(), 1e-9);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ExplanationRequest.MaxTopK + 1)]
    public void ExplanationRequest_TopKOutOfRange_IsRefusedWithTheRange(int topK)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ExplanationRequest { Output = "y", Wrt = "x", TopK = topK });

        Assert.Contains($"from 1 to {ExplanationRequest.MaxTopK}", error.Message);
    }
}
