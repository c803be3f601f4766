using GraphGrpc.Engine.Ops;

namespace GraphGrpc.Engine.Compilation;

/// <summary>
/// A validated graph ready to run: nodes renumbered into integer slots in Kahn order, so evaluation
/// walks arrays front to back (forward) or back to front (backward) with no lookups by name.
/// </summary>
public sealed class Plan
{
    private readonly Dictionary<string, int> _slotById;

    internal Plan(string[] ids, Op[] ops, int[][] inputs, int[][] shapes, int[] sinks)
    {
        Ids = ids;
        Ops = ops;
        Inputs = inputs;
        Shapes = shapes;
        _slotById = new Dictionary<string, int>(ids.Length, StringComparer.Ordinal);
        for (var slot = 0; slot < ids.Length; slot++)
        {
            _slotById[ids[slot]] = slot;
        }
        Sinks = sinks;
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

    public bool TryGetSlot(string id, out int slot) => _slotById.TryGetValue(id, out slot);

    public int SlotOf(string id) =>
        _slotById.TryGetValue(id, out var slot) ? slot : throw new KeyNotFoundException($"no node '{id}' in the plan");
}
