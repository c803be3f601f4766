using System.Numerics;
using GraphGrpc.Engine.Explanation;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>
/// On random DAGs the explanation's total is Evaluate's gradient, and its top paths are the K best of
/// every path, found here by brute-force enumeration where the graphs are small enough for it.
/// </summary>
public sealed class RandomDagExplanationTests
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 25));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Explain_RandomDag_TotalIsTheEvaluatorsGradient(int seed)
    {
        var random = new Random(seed);
        var (graph, output, nodes) = RandomPathGraph.Build(random, random.Next(5, 60), vectors: seed % 2 == 0);
        foreach (var wrt in nodes.OrderBy(_ => random.Next()).Take(4))
        {
            var request = new ExplanationRequest { Output = output, Wrt = wrt, TopK = 5 };

            var explanation = Explaining.Explain(graph, request);

            var expected = Explaining.Gradient(graph, request);
            Assert.Equal(expected.Shape, explanation.Total.Shape);
            Assert.Equal(expected.Data, explanation.Total.Data, new ToleranceComparer(1e-12));
            var closed = explanation.TopPaths.Aggregate(explanation.Remainder.Data, (sum, path) => sum.Zip(path.Contribution.Data, (x, y) => x + y).ToArray());
            Assert.Equal(explanation.Total.Data, closed, new ToleranceComparer(1e-12));
            Assert.Equal(BigInteger.Min(explanation.PathCount, 5), explanation.TopPaths.Count);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Explain_RandomScalarDag_TopPathsAreTheKBestOfEveryPath(int seed)
    {
        var random = new Random(seed);
        var (graph, output, nodes) = RandomPathGraph.Build(random, random.Next(5, 30), vectors: false);
        // The inputs and the first ops lie farthest upstream, with the most paths: often more than K.
        foreach (var wrt in nodes.Take(4))
        {
            var request = new ExplanationRequest { Output = output, Wrt = wrt, TopK = 4 };

            var explanation = Explaining.Explain(graph, request);

            var every = PathEnumerator.Every(explanation);
            Assert.Equal(every.Count, explanation.PathCount);
            Assert.True(explanation.RankingExact);
            // The K largest magnitudes, computed the same way (from the output down), agree exactly.
            var best = every.Select(path => Math.Abs(path.Product)).OrderDescending().Take(4);
            Assert.Equal(best, explanation.TopPaths.Select(path => path.Norm));
            foreach (var path in explanation.TopPaths)
            {
                Assert.Contains(every, found => found.Product == path.Contribution.Data.Single() && found.Operands.SequenceEqual(path.Operands)
                    && found.NodeIds.SequenceEqual(path.NodeIds));
            }
            // And every path's product sums to Evaluate's gradient.
            Assert.Equal(Explaining.Gradient(graph, request).Data.Single(), every.Sum(path => path.Product), 1e-12 * Math.Max(1, every.Sum(path => Math.Abs(path.Product))));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Explain_RandomDagWithNoMorePathsThanK_ReturnsEveryPathOnce(int seed)
    {
        var random = new Random(seed);
        var (graph, output, nodes) = RandomPathGraph.Build(random, random.Next(5, 20), vectors: true);
        foreach (var wrt in nodes)
        {
            var request = new ExplanationRequest { Output = output, Wrt = wrt, TopK = ExplanationRequest.MaxTopK };

            var explanation = Explaining.Explain(graph, request);

            if (explanation.PathCount > ExplanationRequest.MaxTopK)
            {
                continue;
            }
            Assert.True(explanation.RankingExact);
            Assert.Equal(PathEnumerator.Every(explanation).Count, explanation.TopPaths.Count);
            Assert.Equal(explanation.TopPaths.Count, explanation.TopPaths.Select(path => string.Join(",", path.Operands.Zip(path.NodeIds))).Distinct().Count());
            Assert.Equal(new double[explanation.Remainder.Length], explanation.Remainder.Data, new ToleranceComparer(1e-12));
            Assert.Equal(explanation.TopPaths.Select(path => path.Norm).OrderDescending(), explanation.TopPaths.Select(path => path.Norm));
        }
    }
}
