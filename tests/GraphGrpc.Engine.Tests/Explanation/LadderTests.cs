using System.Numerics;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Explanation;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>
/// A ladder of forks: each rung splits x into p·x and q·x and adds them again, so n rungs have 2ⁿ paths.
/// The answer must come from dynamic programming, since no enumeration of 2⁶⁴ paths ever ends.
/// </summary>
public sealed class LadderTests
{
    private const int Rungs = 64;

    /// <summary>Rung i has weights p[i] and q[i]; x0 is the input and x{Rungs} the output.</summary>
    private static (Graph Graph, double[] P, double[] Q) Ladder(int seed)
    {
        var random = new Random(seed);
        var builder = new GraphBuilder();
        builder.Input("x0", 0.75);
        var (p, q) = (new double[Rungs], new double[Rungs]);
        for (var i = 0; i < Rungs; i++)
        {
            // Sums near 1 keep values and gradients in range; distinct weights make one best path.
            (p[i], q[i]) = (0.2 + 0.6 * random.NextDouble(), 0.2 + 0.6 * random.NextDouble());
            builder.Constant($"p{i}", p[i]);
            builder.Constant($"q{i}", q[i]);
            builder.Op($"left{i}", n => n.Mul = new(), $"x{i}", $"p{i}");
            builder.Op($"right{i}", n => n.Mul = new(), $"x{i}", $"q{i}");
            builder.Op($"x{i + 1}", n => n.Add = new(), $"left{i}", $"right{i}");
        }
        return (builder.Graph, p, q);
    }

    [Fact(Timeout = 60_000)]
    public async Task Explain_LadderOf64Forks_CountsExactly2ToThe64Paths()
    {
        var (graph, _, _) = Ladder(seed: 1);

        var explanation = await Task.Run(() => Explaining.Explain(graph, new ExplanationRequest { Output = $"x{Rungs}", Wrt = "x0" }));

        Assert.Equal(BigInteger.Pow(2, 64), explanation.PathCount);
        Assert.Equal("18446744073709551616", explanation.PathCount.ToString());
        Assert.Equal(10, explanation.TopPaths.Count);
        Assert.True(explanation.RankingExact);
    }

    [Fact]
    public void Explain_LadderOf64Forks_ReadsAsOneBlockPerRung()
    {
        var (graph, p, q) = Ladder(seed: 2);

        var explanation = Explaining.Explain(graph, new ExplanationRequest { Output = $"x{Rungs}", Wrt = "x0" });

        Assert.Equal(Enumerable.Range(0, Rungs + 1).Reverse().Select(i => $"x{i}"), explanation.Through);
        Assert.Equal(Rungs, explanation.Blocks.Count);
        for (var i = 0; i < Rungs; i++)
        {
            // Blocks come from the output down: the first is the last rung.
            var block = explanation.Blocks[Rungs - 1 - i];
            Assert.Equal(($"x{i + 1}", $"x{i}"), (block.ForkId, block.JoinId));
            Assert.Equal(2, block.PathCount);
            Assert.Equal(p[i] + q[i], block.Local.Data.Single(), 1e-15);
        }
    }

    [Fact]
    public void Explain_LadderOf64Forks_TopPathsTakeTheLargerWeightOnEveryRungAndTheSumCloses()
    {
        var (graph, p, q) = Ladder(seed: 3);
        var request = new ExplanationRequest { Output = $"x{Rungs}", Wrt = "x0", TopK = 3 };

        var explanation = Explaining.Explain(graph, request);

        // The best path picks the larger weight on every rung; the second swaps it on the rung where that costs least.
        var best = Enumerable.Range(0, Rungs).Aggregate(1.0, (product, i) => product * Math.Max(p[i], q[i]));
        var cheapestSwap = Enumerable.Range(0, Rungs).Max(i => Math.Min(p[i], q[i]) / Math.Max(p[i], q[i]));
        Assert.Equal(best, explanation.TopPaths[0].Contribution.Data.Single(), 1e-12 * best);
        Assert.Equal(best * cheapestSwap, explanation.TopPaths[1].Contribution.Data.Single(), 1e-12 * best);
        Assert.True(explanation.TopPaths[1].Norm >= explanation.TopPaths[2].Norm);
        Assert.Equal(2 * Rungs + 1, explanation.TopPaths[0].NodeIds.Count);

        var total = Enumerable.Range(0, Rungs).Aggregate(1.0, (product, i) => product * (p[i] + q[i]));
        Assert.Equal(total, explanation.Total.Data.Single(), 1e-12 * total);
        Assert.Equal(Explaining.Gradient(graph, request).Data.Single(), explanation.Total.Data.Single(), 1e-12 * total);
        Assert.Equal(total - explanation.TopPaths.Sum(path => path.Contribution.Data.Single()), explanation.Remainder.Data.Single(), 1e-12 * total);
    }
}
