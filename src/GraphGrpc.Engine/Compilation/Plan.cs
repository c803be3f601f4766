using GraphGrpc.Engine.Ops;

namespace GraphGrpc.Engine.Compilation;

/// <summary>
/// A validated graph ready to run: nodes renumbered into integer slots in Kahn order, so evaluation
/// walks arrays front to back (forward) or back to front (backward) with no lookups by name.
/// </summary>
public sealed class Plan
{
    private readonly Dictionary<string, int> _nodeById;
    private readonly int[] _slotOfNode;

    /// <param name="nodeById">Each id's position in the graph as sent.</param>
    /// <param name="slotOfNode">Each position's slot.</param>
    internal Plan(string[] ids, Op[] ops, int[][] inputs, int[][] shapes, int[] sinks, Dictionary<string, int> nodeById, int[] slotOfNode)
    {
        Ids = ids;
        Ops = ops;
        Inputs = inputs;
        Shapes = shapes;
        Sinks = sinks;
        _nodeById = nodeById;
        _slotOfNode = slotOfNode;
    }

    /// <summary>Node ids by slot; slots are the topological order.</summary>
    public string[] Ids { get; }

    public Op[] Ops { get; }

    /// <summary>The input slots of each slot, in operand order.</summary>
    public int[][] Inputs { get; }

    /// <summary>The output shape of each slot.</summary>
    public int[][] Shapes { get; }

    /// <summary>The slots no other node consumes: the graph's natural outputs.</summary>
    public int[] Sinks { get; }

    public int Count => Ids.Length;

    public int SlotOf(string id) =>
        _nodeById.TryGetValue(id, out var node) ? _slotOfNode[node] : throw new KeyNotFoundException($"no node '{id}' in the plan");
}
