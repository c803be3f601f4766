using System.Numerics;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>A gradient as a sum over the paths between an output and a node upstream of it.</summary>
public sealed class GradientExplanation
{
    public required string Output { get; init; }

    public required string Wrt { get; init; }

    /// <summary>Every path from the output to the wrt node, counted exactly however many there are; zero when it is not upstream.</summary>
    public required BigInteger PathCount { get; init; }

    /// <summary>∂output/∂wrt, the sum of every path's contribution: Evaluate's gradient of the wrt node, to rounding.</summary>
    public required Tensor Total { get; init; }

    /// <summary>The paths of largest contribution norm, largest first; at most the request's top K.</summary>
    public required IReadOnlyList<ExplainedPath> TopPaths { get; init; }

    /// <summary>Total minus the sum of the top paths' contributions: what the other paths contribute, so the sum closes.</summary>
    public required Tensor Remainder { get; init; }

    /// <summary>
    /// Whether <see cref="TopPaths"/> are exactly the top K by norm: always when every node on the
    /// paths holds one element, or when no more than K paths exist; otherwise they come from a beam
    /// search and are a ranking heuristic (their contributions are still exact).
    /// </summary>
    public required bool RankingExact { get; init; }

    /// <summary>The nodes every path passes through, from the output to the wrt node: the dominators of the wrt node on the paths.</summary>
    public required IReadOnlyList<string> Through { get; init; }

    /// <summary>Between consecutive <see cref="Through"/> nodes joined by more than one path, the block those paths form, from the output down.</summary>
    public required IReadOnlyList<ForkJoinBlock> Blocks { get; init; }

    /// <summary>Every edge on a path between the two, from the output down.</summary>
    public required IReadOnlyList<ExplainedEdge> Edges { get; init; }
}
