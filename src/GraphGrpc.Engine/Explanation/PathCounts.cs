using System.Numerics;

namespace GraphGrpc.Engine.Explanation;

/// <summary>How many paths lead from the output to each node: exact, as the count doubles with every fork.</summary>
internal static class PathCounts
{
    /// <summary>By position: the output has one path (itself); each node has the sum of its consumers' counts, one per edge.</summary>
    public static BigInteger[] FromOutput(PathSubgraph paths)
    {
        var counts = new BigInteger[paths.Count];
        if (paths.Count == 0)
        {
            return counts;
        }
        counts[0] = BigInteger.One;
        for (var p = 0; p < paths.Count; p++)
        {
            for (var e = paths.OutgoingStart[p]; e < paths.OutgoingStart[p + 1]; e++)
            {
                counts[paths.EdgeInput[e]] += counts[p];
            }
        }
        return counts;
    }
}
