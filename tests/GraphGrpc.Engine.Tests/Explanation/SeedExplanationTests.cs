using GraphGrpc.Engine.Explanation;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>The seeds' own sums over paths: seed 000's two paths from g to b and its block bcde, seed 001's 3 + 5 = 8.</summary>
public sealed class SeedExplanationTests
{
    [Fact]
    public void Explain_Seed000GWithRespectToB_GivesTheSeedsTwoPathsAndTheirSum()
    {
        var graph = Explaining.Example("seed000-gradient-flow.json");
        var request = new ExplanationRequest { Output = "g", Wrt = "b" };

        var explanation = Explaining.Explain(graph, request);

        const double a = 0.5;
        var d = 5 * (5 - 3 * a) + 6;
        Assert.Equal(2, explanation.PathCount);
        Assert.True(explanation.RankingExact);
        Assert.Collection(explanation.TopPaths,
            throughD =>
            {
                // ∂g/∂f · ∂f/∂e · ∂e/∂d · ∂d/∂b = 12d · 5, the graph file spelling e = 7c + d² and d = 5b + 6 node by node.
                Assert.Equal(["g", "3f", "f", "e", "d^2", "d", "5b", "b"], throughD.NodeIds);
                Assert.Equal([0, 1, 1, 1, 0, 0, 1], throughD.Operands);
                Assert.Equal(12 * d * 5, throughD.Contribution.Data.Single(), 1e-12);
                Assert.Equal(60 * d, throughD.Norm, 1e-12);
            },
            throughC =>
            {
                // ∂g/∂c · ∂c/∂b = 42 · 2.
                Assert.Equal(["g", "3f", "f", "e", "7c", "c", "2b", "b"], throughC.NodeIds);
                Assert.Equal(42 * 2, throughC.Contribution.Data.Single(), 1e-12);
            });
        Assert.Equal(1944 - 900 * a, explanation.Total.Data.Single(), 1e-12);
        Assert.Equal(Explaining.Gradient(graph, request).Data.Single(), explanation.Total.Data.Single(), 1e-12);
        Assert.Equal(0, explanation.Remainder.Data.Single(), 1e-12);
    }

    [Fact]
    public void Explain_Seed000GWithRespectToB_FoldsTheForkAtEAndTheJoinAtBIntoOneBlock()
    {
        var explanation = Explaining.Explain(Explaining.Example("seed000-gradient-flow.json"), new ExplanationRequest { Output = "g", Wrt = "b" });

        const double d = 23.5;
        Assert.Equal(["g", "3f", "f", "e", "b"], explanation.Through);
        var block = Assert.Single(explanation.Blocks);
        Assert.Equal(("e", "b"), (block.ForkId, block.JoinId));
        Assert.Equal(2, block.PathCount);
        // The seed's block: ∂e/∂b = ∂e/∂d · ∂d/∂b + ∂e/∂c · ∂c/∂b = 2d · 5 + 7 · 2.
        Assert.Equal(2 * d * 5 + 7 * 2, block.Local.Data.Single(), 1e-12);
        Assert.Equal(6 * (2 * d * 5 + 7 * 2), block.Flow.Data.Single(), 1e-12);
    }

    [Fact]
    public void Explain_Seed000_EachEdgeCarriesItsLocalGradient()
    {
        var explanation = Explaining.Explain(Explaining.Example("seed000-gradient-flow.json"), new ExplanationRequest { Output = "g", Wrt = "b" });

        // Eleven edges: three above the fork, four on each branch.
        Assert.Equal(11, explanation.Edges.Count);
        Assert.Equal(1, Explaining.Edge(explanation, "g", 0).Local.Data.Single());
        Assert.Equal(3, Explaining.Edge(explanation, "3f", 1).Local.Data.Single());
        Assert.Equal(2, Explaining.Edge(explanation, "f", 1).Local.Data.Single());
        Assert.Equal(2 * 23.5, Explaining.Edge(explanation, "d^2", 0).Local.Data.Single());
        Assert.Equal(5, Explaining.Edge(explanation, "5b", 1).Local.Data.Single());
        Assert.Equal(2, Explaining.Edge(explanation, "2b", 1).Local.Data.Single());
        // What flowed along d² → d is ∂g/∂d² · 2d = 6 · 47 = 282, the seed's ∂g/∂d.
        Assert.Equal(282, Explaining.Edge(explanation, "d^2", 0).Flow.Data.Single(), 1e-12);
    }

    [Fact]
    public void Explain_Seed001XThroughBothPaths_Is3Plus5Equals8()
    {
        var graph = Explaining.Example("seed001-sum-of-paths.json");
        var request = new ExplanationRequest { Output = "f", Wrt = "x" };

        var explanation = Explaining.Explain(graph, request);

        Assert.Equal(2, explanation.PathCount);
        Assert.Collection(explanation.TopPaths,
            direct =>
            {
                // Straight into the product: ∂f/∂f · ∂(a·x)/∂x = 1 · 5.
                Assert.Equal(["f", "x"], direct.NodeIds);
                Assert.Equal([1], direct.Operands);
                Assert.Equal(5, direct.Contribution.Data.Single());
            },
            viaA =>
            {
                // Through a: ∂f/∂a · ∂a/∂x = 3 · 1.
                Assert.Equal(["f", "a", "x"], viaA.NodeIds);
                Assert.Equal([0, 0], viaA.Operands);
                Assert.Equal(3, viaA.Contribution.Data.Single());
            });
        Assert.Equal(8, explanation.Total.Data.Single());
        Assert.Equal(Explaining.Gradient(graph, request).Data.Single(), explanation.Total.Data.Single());
        var block = Assert.Single(explanation.Blocks);
        Assert.Equal(("f", "x", 8.0), (block.ForkId, block.JoinId, block.Local.Data.Single()));
    }
}
