using System.Numerics;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// Folds the paths into a chain of blocks. The nodes every path passes through are the dominators of
/// the wrt node, and, the same set, the post-dominators of the output. Between two consecutive ones
/// lies either one edge or a fork/join block whose paths leave the first and meet again at the second.
/// </summary>
internal static class ForkJoinBlocks
{
    /// <summary>
    /// The positions every path passes, from the output down: those no edge jumps over. Positions are
    /// a topological order, so a path avoids a position only along an edge that jumps over it, and
    /// every edge lies on some path. One sweep, nothing recursive.
    /// </summary>
    public static List<int> Through(PathSubgraph paths)
    {
        var through = new List<int>();
        var farthest = 0;
        for (var p = 0; p < paths.Count; p++)
        {
            if (farthest <= p)
            {
                through.Add(p);
            }
            for (var e = paths.OutgoingStart[p]; e < paths.OutgoingStart[p + 1]; e++)
            {
                farthest = Math.Max(farthest, paths.EdgeInput[e]);
            }
        }
        return through;
    }

    /// <summary>
    /// The blocks between consecutive <paramref name="through"/> positions joined by more than one path.
    /// Every path to the join passes the fork, so the paths from fork to join number counts[join] / counts[fork].
    /// </summary>
    public static List<ForkJoinBlock> Find(
        PlanView plan, PathSubgraph paths, List<int> through, BigInteger[] counts, GradientFlow flow, CancellationToken cancellationToken)
    {
        var blocks = new List<ForkJoinBlock>();
        for (var i = 0; i + 1 < through.Count; i++)
        {
            var (fork, join) = (through[i], through[i + 1]);
            var pathCount = counts[join] / counts[fork];
            if (pathCount > 1)
            {
                cancellationToken.ThrowIfCancellationRequested();
                blocks.Add(new ForkJoinBlock(
                    plan.Id(paths.Slots[fork]), plan.Id(paths.Slots[join]), pathCount, Local(plan, paths, fork, join), flow.Gradients[join]));
            }
        }
        return blocks;
    }

    /// <summary>
    /// Ones at the fork carried to the join through the positions between them, the only ones on the
    /// block's paths: no edge jumps over the fork or the join. Blocks do not overlap, so all of them
    /// together cost one more backward pass at most.
    /// </summary>
    private static Tensor Local(PlanView plan, PathSubgraph paths, int fork, int join)
    {
        var carried = new Tensor?[join - fork + 1];
        carried[0] = Tensor.Filled(plan.Shape(paths.Slots[fork]), 1);
        for (var p = fork; p < join; p++)
        {
            for (var e = paths.OutgoingStart[p]; e < paths.OutgoingStart[p + 1]; e++)
            {
                var share = plan.Backward(paths.Slots[p], paths.EdgeOperand[e], carried[p - fork]!);
                carried[paths.EdgeInput[e] - fork] = GradientShares.Add(carried[paths.EdgeInput[e] - fork], share);
            }
        }
        return carried[^1]!;
    }
}
