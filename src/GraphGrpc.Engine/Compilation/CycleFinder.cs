namespace GraphGrpc.Engine.Compilation;

/// <summary>
/// Names the cycles among the nodes Kahn's algorithm could not sort. Every unsorted node has an
/// unsorted input (else Kahn would have freed it), so walking inputs backwards from any of them
/// must eventually revisit a node: the walk from that node on is a cycle. No recursion.
/// </summary>
internal static class CycleFinder
{
    /// <summary>Each cycle found, as node indices in the direction data flows, without repeating the first.</summary>
    public static List<int[]> Find(bool[] unsorted, IReadOnlyList<int>[] inputs)
    {
        var cycles = new List<int[]>();
        // 0 = not visited, 1 = on the current walk, 2 = finished by an earlier walk.
        var state = new byte[unsorted.Length];
        var positionOnWalk = new int[unsorted.Length];
        for (var start = 0; start < unsorted.Length; start++)
        {
            if (!unsorted[start] || state[start] != 0)
            {
                continue;
            }
            var walk = new List<int>();
            var node = start;
            while (state[node] == 0)
            {
                state[node] = 1;
                positionOnWalk[node] = walk.Count;
                walk.Add(node);
                node = FirstUnsortedInput(node, unsorted, inputs);
            }
            if (state[node] == 1)
            {
                // The walk went against the data flow, so reverse the loop to read a -> b -> c -> a.
                var cycle = walk.GetRange(positionOnWalk[node], walk.Count - positionOnWalk[node]);
                cycle.Reverse();
                cycles.Add(RotateToSmallest(cycle));
            }
            foreach (var visited in walk)
            {
                state[visited] = 2;
            }
        }
        return cycles;
    }

    private static int FirstUnsortedInput(int node, bool[] unsorted, IReadOnlyList<int>[] inputs)
    {
        foreach (var input in inputs[node])
        {
            if (unsorted[input])
            {
                return input;
            }
        }
        throw new InvalidOperationException("an unsorted node must have an unsorted input");
    }

    /// <summary>Starts the cycle at the node declared first, so the report is the same however it was found.</summary>
    private static int[] RotateToSmallest(List<int> cycle)
    {
        var first = cycle.IndexOf(cycle.Min());
        return [.. cycle.Skip(first), .. cycle.Take(first)];
    }
}
