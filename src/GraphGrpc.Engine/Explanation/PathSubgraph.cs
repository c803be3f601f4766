namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// The nodes and edges that lie on a path from an output down to a node upstream of it. Nodes are
/// numbered by position from the output: position 0 is the output, the last is the wrt node, and
/// every edge goes from a consumer to an operand at a larger position (reverse topological order).
/// Edges are stored in flat arrays, grouped by consumer, so a million-node graph stays light.
/// </summary>
internal sealed class PathSubgraph
{
    private PathSubgraph(int[] slots, int[] edgeConsumer, int[] edgeOperand, int[] edgeInput, int[] outgoingStart)
    {
        Slots = slots;
        EdgeConsumer = edgeConsumer;
        EdgeOperand = edgeOperand;
        EdgeInput = edgeInput;
        OutgoingStart = outgoingStart;
        (IncomingStart, IncomingEdges) = GroupByInput(slots.Length, edgeInput);
    }

    /// <summary>The plan slot at each position; empty when the wrt node is not upstream of the output.</summary>
    public int[] Slots { get; }

    public int Count => Slots.Length;

    public int Wrt => Slots.Length - 1;

    /// <summary>Edge e: operand number EdgeOperand[e] of the node at EdgeConsumer[e] is the node at EdgeInput[e].</summary>
    public int[] EdgeConsumer { get; }

    public int[] EdgeOperand { get; }

    public int[] EdgeInput { get; }

    public int EdgeCount => EdgeInput.Length;

    /// <summary>The edges out of position p toward the wrt node are OutgoingStart[p] up to OutgoingStart[p + 1], in operand order.</summary>
    public int[] OutgoingStart { get; }

    /// <summary>The edges into position p from its consumers are IncomingEdges[IncomingStart[p] .. IncomingStart[p + 1]], by consumer position.</summary>
    public int[] IncomingStart { get; }

    public int[] IncomingEdges { get; }

    /// <summary>A forward sweep marks what depends on the wrt node, a backward sweep what the output depends on; the paths are both.</summary>
    public static PathSubgraph Between(PlanView plan, int output, int wrt)
    {
        if (wrt > output)
        {
            return new PathSubgraph([], [], [], [], [0]);
        }
        var span = output - wrt + 1;
        var dependsOnWrt = new bool[span];
        for (var slot = wrt; slot <= output; slot++)
        {
            dependsOnWrt[slot - wrt] = slot == wrt || plan.Operands(slot).Any(input => input >= wrt && dependsOnWrt[input - wrt]);
        }
        var reachesOutput = new bool[span];
        reachesOutput[span - 1] = true;
        var position = new int[span];
        var slots = new List<int>();
        for (var slot = output; slot >= wrt; slot--)
        {
            if (!reachesOutput[slot - wrt] || !dependsOnWrt[slot - wrt])
            {
                continue;
            }
            position[slot - wrt] = slots.Count;
            slots.Add(slot);
            foreach (var input in plan.Operands(slot))
            {
                if (input >= wrt)
                {
                    reachesOutput[input - wrt] = true;
                }
            }
        }
        if (slots.Count == 0 || slots[^1] != wrt)
        {
            return new PathSubgraph([], [], [], [], [0]);
        }

        var (consumers, operands, inputs) = (new List<int>(), new List<int>(), new List<int>());
        var outgoingStart = new int[slots.Count + 1];
        for (var p = 0; p < slots.Count; p++)
        {
            var operandSlots = plan.Operands(slots[p]);
            for (var k = 0; k < operandSlots.Length; k++)
            {
                var input = operandSlots[k] - wrt;
                if (input >= 0 && dependsOnWrt[input])
                {
                    consumers.Add(p);
                    operands.Add(k);
                    inputs.Add(position[input]);
                }
            }
            outgoingStart[p + 1] = inputs.Count;
        }
        return new PathSubgraph([.. slots], [.. consumers], [.. operands], [.. inputs], outgoingStart);
    }

    /// <summary>A counting sort of the edges by the position they enter, keeping consumer order within each.</summary>
    private static (int[] Start, int[] Edges) GroupByInput(int count, int[] edgeInput)
    {
        var start = new int[count + 1];
        foreach (var input in edgeInput)
        {
            start[input + 1]++;
        }
        for (var p = 0; p < count; p++)
        {
            start[p + 1] += start[p];
        }
        var fill = (int[])start.Clone();
        var edges = new int[edgeInput.Length];
        for (var e = 0; e < edgeInput.Length; e++)
        {
            edges[fill[edgeInput[e]]++] = e;
        }
        return (start, edges);
    }
}
