using GraphGrpc.Engine.Explanation;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>Paths through tensor nodes: each contributes the vector-Jacobian product through it alone, shaped like the wrt node.</summary>
public sealed class TensorExplanationTests
{
    private static readonly double[] X = [1, 2, 3];

    /// <summary>z = Σ (x·x + sin x): three paths to x, two of them the two operands of one product.</summary>
    private static Contracts.V1.Graph SquarePlusSine()
    {
        var builder = new GraphBuilder();
        builder.Input("x", X, 3);
        builder.Op("y", n => n.Mul = new(), "x", "x");
        builder.Op("s", n => n.Sin = new(), "x");
        builder.Op("t", n => n.Add = new(), "y", "s");
        builder.Op("z", n => n.Sum = new(), "t");
        return builder.Graph;
    }

    [Fact]
    public void Explain_TensorPaths_EachContributesItsOwnVectorJacobianProductRankedByNorm()
    {
        var graph = SquarePlusSine();
        var request = new ExplanationRequest { Output = "z", Wrt = "x" };

        var explanation = Explaining.Explain(graph, request);

        Assert.Equal(3, explanation.PathCount);
        Assert.True(explanation.RankingExact);
        var cosines = X.Select(Math.Cos).ToArray();
        Assert.Collection(explanation.TopPaths,
            left =>
            {
                Assert.Equal(["z", "t", "y", "x"], left.NodeIds);
                Assert.Equal([0, 0, 0], left.Operands);
                Assert.Equal(X, left.Contribution.Data);
                Assert.Equal(Math.Sqrt(14), left.Norm, 1e-15);
            },
            right =>
            {
                Assert.Equal([0, 0, 1], right.Operands);
                Assert.Equal(X, right.Contribution.Data);
            },
            sine =>
            {
                Assert.Equal(["z", "t", "s", "x"], sine.NodeIds);
                Assert.Equal([3], sine.Contribution.Shape);
                Assert.Equal(cosines, sine.Contribution.Data, new ToleranceComparer(1e-15));
                Assert.Equal(Math.Sqrt(cosines.Sum(c => c * c)), sine.Norm, 1e-15);
            });
        var expected = X.Select((x, i) => 2 * x + cosines[i]).ToArray();
        Assert.Equal(expected, explanation.Total.Data, new ToleranceComparer(1e-15));
        Assert.Equal(Explaining.Gradient(graph, request).Data, explanation.Total.Data, new ToleranceComparer(1e-15));
        Assert.Equal(new double[3], explanation.Remainder.Data, new ToleranceComparer(1e-15));
    }

    [Fact]
    public void Explain_TensorPaths_FoldIntoOneBlockFromTheSumToX()
    {
        var explanation = Explaining.Explain(SquarePlusSine(), new ExplanationRequest { Output = "z", Wrt = "x" });

        Assert.Equal(["z", "t", "x"], explanation.Through);
        var block = Assert.Single(explanation.Blocks);
        Assert.Equal(("t", "x", 3), (block.ForkId, block.JoinId, (int)block.PathCount));
        // Ones at t carried to x: the elementwise derivative of x·x + sin x.
        Assert.Equal(X.Select(x => 2 * x + Math.Cos(x)), block.Local.Data, new ToleranceComparer(1e-15));
        Assert.Equal(explanation.Total.Data, block.Flow.Data);
        // The sum's edge: its local gradient is ones shaped like t.
        Assert.Equal([1.0, 1, 1], Explaining.Edge(explanation, "z", 0).Local.Data);
        Assert.Equal(X.Select(Math.Cos), Explaining.Edge(explanation, "s", 0).Local.Data, new ToleranceComparer(1e-15));
    }

    [Fact]
    public void Explain_MorePathsThanKThroughTensors_SaysTheRankingIsAHeuristicAndStillCloses()
    {
        var request = new ExplanationRequest { Output = "z", Wrt = "x", TopK = 2 };

        var explanation = Explaining.Explain(SquarePlusSine(), request);

        Assert.False(explanation.RankingExact);
        Assert.Equal(2, explanation.TopPaths.Count);
        Assert.All(explanation.TopPaths, path => Assert.Equal(X, path.Contribution.Data));
        // What is left is the path through the sine.
        Assert.Equal(X.Select(Math.Cos), explanation.Remainder.Data, new ToleranceComparer(1e-15));
    }

    [Fact]
    public void Explain_NeuralLayerWithRespectToTheWeights_IsOnePathCarryingTheWholeGradient()
    {
        var graph = Explaining.Example("seed001-neural-layer.json");
        var request = new ExplanationRequest { Output = "loss", Wrt = "W" };

        var explanation = Explaining.Explain(graph, request);

        var path = Assert.Single(explanation.TopPaths);
        Assert.Equal(["loss", "y", "c", "a", "W"], path.NodeIds);
        Assert.Equal([2, 3], path.Contribution.Shape);
        Assert.Equal(Explaining.Gradient(graph, request).Data, path.Contribution.Data);
        Assert.Empty(explanation.Blocks);
        Assert.Equal(path.NodeIds, explanation.Through);
    }

    [Fact]
    public void Explain_WithASeed_IsTheVectorJacobianProductOfThatSeed()
    {
        var builder = new GraphBuilder();
        builder.Input("x", X, 3);
        builder.Op("y", n => n.Mul = new(), "x", "x");
        var request = new ExplanationRequest { Output = "y", Wrt = "x", Seed = new Tensors.Tensor([3], [1, 0, -1]) };

        var explanation = Explaining.Explain(builder.Graph, request);

        Assert.All(explanation.TopPaths, path => Assert.Equal([1.0, 0, -3], path.Contribution.Data));
        Assert.Equal([2.0, 0, -6], explanation.Total.Data);
        Assert.Equal(Explaining.Gradient(builder.Graph, request).Data, explanation.Total.Data);
    }
}
