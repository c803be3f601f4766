using GraphGrpc.Engine.Differentiation;

namespace GraphGrpc.Engine.Batch;

/// <summary>
/// A batch with tangents: the batch plan of the graph extended with its tangent nodes (<see cref="TangentPlan"/>),
/// whose batch inputs are the real ones then the tangent leaves, and whose outputs are the real ones then the
/// outputs' tangents, with backward seeded from the real ones only. It runs fused like any other plan.
/// </summary>
internal sealed class TangentBatch
{
    private TangentBatch(BatchPlan inner, bool[] shared, int[] columnOfTangent)
    {
        Inner = inner;
        Shared = shared;
        ColumnOfTangent = columnOfTangent;
    }

    public BatchPlan Inner { get; }

    /// <summary>For each tangent leaf in request order, whether it is a shared leaf, whose one tensor every point repeats.</summary>
    public bool[] Shared { get; }

    /// <summary>For each output, the inner plan's output column holding its tangent; -1 where the tangent is zero.</summary>
    public int[] ColumnOfTangent { get; }

    public static TangentBatch Create(BatchPlan outer, int? chunkSize, bool fuse)
    {
        var plan = outer.Plan;
        var request = outer.Request;
        var leaves = request.Tangents.Select(plan.SlotOf).ToArray();
        var tangentPlan = TangentPlan.For(plan, leaves, outer.Outputs);
        var extended = tangentPlan.Plan;

        var outputs = new List<int>(outer.Outputs);
        var columnOf = new Dictionary<int, int>();
        for (var o = 0; o < outer.Outputs.Length; o++)
        {
            columnOf.TryAdd(outer.Outputs[o], o);
        }
        var columnOfTangent = new int[outer.Outputs.Length];
        for (var o = 0; o < outer.Outputs.Length; o++)
        {
            var tangent = tangentPlan.TangentOf[outer.Outputs[o]];
            if (tangent < 0)
            {
                columnOfTangent[o] = -1;
                continue;
            }
            if (!columnOf.TryGetValue(tangent, out var column))
            {
                columnOf[tangent] = column = outputs.Count;
                outputs.Add(tangent);
            }
            columnOfTangent[o] = column;
        }
        var inner = BatchPlan.Create(extended, new BatchRequest
        {
            BatchInputs = [.. request.BatchInputs, .. tangentPlan.TangentLeaves.Select(slot => extended.Ids[slot])],
            Outputs = [.. outputs.Select(slot => extended.Ids[slot])],
            SeededOutputs = request.ForwardOnly ? null : outer.Outputs.Length,
            // Named, not left to default: the extended plan's tangent leaves are input leaves too.
            Wrt = [.. outer.Wrt.Select(slot => plan.Ids[slot])],
            SharedGradients = request.SharedGradients,
            ForwardOnly = request.ForwardOnly,
        }, chunkSize, fuse);
        var batchInputs = request.BatchInputs.ToHashSet();
        return new TangentBatch(inner, [.. request.Tangents.Select(id => !batchInputs.Contains(id))], columnOfTangent);
    }
}
