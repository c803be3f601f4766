using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// Forward mode as a graph: a plan extended with a tangent leaf for each chosen input leaf and the nodes
/// each op's <see cref="Op.Jvp"/> rule emits, so that evaluating it gives every node's value and tangent.
/// The original slots keep their numbers; the added ones follow. One evaluation and a batch run the same
/// extended plan, so a point's tangent in a batch has exactly the bits of that point evaluated alone.
/// </summary>
internal sealed class TangentPlan
{
    // Made once per compiled plan, set of tangent leaves, and which tangents are kept.
    private const int MadePerPlan = 16;
    private static readonly ConditionalWeakTable<Plan, ConcurrentDictionary<string, TangentPlan>> Made = [];

    private TangentPlan(Plan extended, int[] tangentLeaves, int[] tangentOf, int[] groupEnds)
    {
        Plan = extended;
        TangentLeaves = tangentLeaves;
        TangentOf = tangentOf;
        GroupEnds = groupEnds;
    }

    /// <summary>The original slots, then the tangent leaves and tangent nodes.</summary>
    public Plan Plan { get; }

    /// <summary>The slot of each tangent leaf, in the order the leaves were given.</summary>
    public int[] TangentLeaves { get; }

    /// <summary>For each original slot, the slot holding its tangent; -1 where the tangent is zero (or not kept).</summary>
    public int[] TangentOf { get; }

    /// <summary>
    /// For each original slot s, where the added slots emitted for it end: slots GroupEnds[s-1] (or the
    /// original count) to GroupEnds[s] follow s, so an evaluation can give s's tangent right after its value.
    /// </summary>
    public int[] GroupEnds { get; }

    /// <summary>
    /// The extended plan for tangents on <paramref name="leaves"/> (input leaf slots). With
    /// <paramref name="keep"/>, only the tangents of those slots are computed (a batch's outputs); else every slot's.
    /// </summary>
    public static TangentPlan For(Plan plan, IReadOnlyList<int> leaves, IReadOnlyList<int>? keep = null)
    {
        var made = Made.GetOrCreateValue(plan);
        var key = $"{string.Join(",", leaves)}|{(keep is null ? "*" : string.Join(",", keep))}";
        if (made.TryGetValue(key, out var known))
        {
            return known;
        }
        var tangentPlan = Create(plan, leaves, keep);
        if (made.Count < MadePerPlan)
        {
            made.TryAdd(key, tangentPlan);
        }
        return tangentPlan;
    }

    private static TangentPlan Create(Plan plan, IReadOnlyList<int> leaves, IReadOnlyList<int>? keep)
    {
        var emit = new GraphEmitter(plan);
        var names = new NodeNames(plan);
        var isTangentLeaf = new bool[plan.Count];
        foreach (var leaf in leaves)
        {
            isTangentLeaf[leaf] = true;
        }
        var tangents = new SymbolicTensor?[plan.Count];
        var leafNodes = new SymbolicTensor[plan.Count];
        var emittedEnds = new int[plan.Count];
        var operands = new SymbolicTensor[plan.Inputs.Length == 0 ? 0 : plan.Inputs.Max(inputs => inputs.Length)];
        var operandTangents = new SymbolicTensor?[operands.Length];
        for (var slot = 0; slot < plan.Count; slot++)
        {
            if (isTangentLeaf[slot])
            {
                tangents[slot] = leafNodes[slot] = emit.NewInput(Tensor.Zeros(plan.Shapes[slot]), names.Unique($"tangent({plan.Ids[slot]})"));
            }
            else if (plan.Ops[slot] is not LeafOp)
            {
                var inputs = plan.Inputs[slot];
                var any = false;
                for (var k = 0; k < inputs.Length; k++)
                {
                    operands[k] = emit.Original(inputs[k]);
                    operandTangents[k] = tangents[inputs[k]];
                    any |= operandTangents[k] is not null;
                }
                if (any)
                {
                    tangents[slot] = plan.Ops[slot].Jvp(operands.AsSpan(0, inputs.Length), emit.Original(slot), operandTangents.AsSpan(0, inputs.Length), emit);
                }
            }
            emittedEnds[slot] = emit.Added.Count;
        }
        names.NameRest(emit);

        // Keep the added nodes the kept tangents need, and every tangent leaf, as callers set them.
        var live = new bool[emit.Count];
        foreach (var slot in keep ?? Enumerable.Range(0, plan.Count).ToArray())
        {
            if (tangents[slot] is { } tangent)
            {
                live[tangent.Index] = true;
            }
        }
        foreach (var leaf in leaves)
        {
            live[leafNodes[leaf].Index] = true;
        }
        for (var index = emit.Count - 1; index >= plan.Count; index--)
        {
            if (live[index])
            {
                foreach (var input in emit.InputsOf(index))
                {
                    live[input] = true;
                }
            }
        }

        var slotOf = new int[emit.Count];
        var count = plan.Count;
        for (var index = 0; index < emit.Count; index++)
        {
            slotOf[index] = index < plan.Count ? index : live[index] ? count++ : -1;
        }
        var ids = new string[count];
        var ops = new Op[count];
        var inputsOf = new int[count][];
        var shapes = new int[count][];
        Array.Copy(plan.Ids, ids, plan.Count);
        Array.Copy(plan.Ops, ops, plan.Count);
        Array.Copy(plan.Inputs, inputsOf, plan.Count);
        Array.Copy(plan.Shapes, shapes, plan.Count);
        for (var i = 0; i < emit.Added.Count; i++)
        {
            var slot = slotOf[plan.Count + i];
            if (slot < 0)
            {
                continue;
            }
            var added = emit.Added[i];
            ids[slot] = added.Name!;
            ops[slot] = added.Op;
            inputsOf[slot] = [.. added.Inputs.Select(input => slotOf[input])];
            shapes[slot] = added.Shape;
        }
        var consumed = new bool[count];
        foreach (var operandsOf in inputsOf)
        {
            foreach (var input in operandsOf)
            {
                consumed[input] = true;
            }
        }
        var nodeById = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (var slot = 0; slot < count; slot++)
        {
            nodeById[ids[slot]] = slot;
        }
        var extended = new Plan(ids, ops, inputsOf, shapes, [.. Enumerable.Range(0, count).Where(slot => !consumed[slot])], nodeById,
            [.. Enumerable.Range(0, count)]);

        // Each added slot's place among the emitter's added nodes, to find where each original slot's group ends.
        var emittedAt = new int[count];
        for (var index = plan.Count; index < emit.Count; index++)
        {
            if (slotOf[index] >= 0)
            {
                emittedAt[slotOf[index]] = index - plan.Count;
            }
        }
        var groupEnds = new int[plan.Count];
        var end = plan.Count;
        for (var slot = 0; slot < plan.Count; slot++)
        {
            while (end < count && emittedAt[end] < emittedEnds[slot])
            {
                end++;
            }
            groupEnds[slot] = end;
        }
        var tangentOf = tangents.Select(tangent => tangent is null ? -1 : slotOf[tangent.Index]).ToArray();
        if (keep is not null)
        {
            var kept = keep.ToHashSet();
            for (var slot = 0; slot < plan.Count; slot++)
            {
                tangentOf[slot] = kept.Contains(slot) ? tangentOf[slot] : -1;
            }
        }
        return new TangentPlan(extended, [.. leaves.Select(leaf => slotOf[leafNodes[leaf].Index])], tangentOf, groupEnds);
    }
}
