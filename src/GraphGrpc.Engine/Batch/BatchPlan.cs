using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using GraphGrpc.Engine.Batch.Steps;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Batch;

/// <summary>
/// A plan split for batch evaluation: which slots vary from point to point (those downstream of a
/// batch input) and which are shared and computed once, which slots backward visits, how each op runs
/// over a chunk of points (asked of the op), the backward pass planned share by share, scratch buffers
/// shared between slots whose lifetimes do not meet, and how many points make a chunk whose working
/// set stays in cache.
/// </summary>
public sealed class BatchPlan
{
    // A chunk's buffers and column slices should fit in L2 (2 MiB here) with room to spare. Chunks small
    // enough for L1 ran slower: below about a thousand points, the per-step dispatch costs more than the
    // cache saves (seed 002 and a 200-node graph both ran best between 512 and 2,048 points).
    private const int ChunkBytes = 1024 * 1024;
    private const int MinChunk = 256;
    private const int MaxChunk = 4096;

    // Batch plans already made, by compiled plan and request: a server streams many batches over one cached
    // compiled graph, and planning (the fused loop above all, tens of milliseconds for a few hundred nodes)
    // then happens once per graph and request rather than once per stream. Bounded per graph, as requests vary.
    private const int MadePerPlan = 16;
    private static readonly ConditionalWeakTable<Plan, ConcurrentDictionary<string, BatchPlan>> Made = [];

    private BatchPlan(Plan plan, BatchRequest request, int? chunkSize, bool fuse)
    {
        Plan = plan;
        Request = request;
        PointSizes = plan.Shapes.Select(shape => Shapes.ElementCount(shape)).ToArray();
        BatchInputs = request.BatchInputs.Select(plan.SlotOf).ToArray();
        Outputs = request.Outputs.Select(plan.SlotOf).ToArray();
        // As for one point, no wrt means every input leaf.
        Wrt = request.ForwardOnly ? []
            : request.Wrt.Count > 0
            ? request.Wrt.Select(plan.SlotOf).ToArray()
            : Enumerable.Range(0, plan.Count).Where(slot => plan.Ops[slot] is LeafOp { IsVariable: true }).ToArray();

        Varies = new bool[plan.Count];
        foreach (var slot in BatchInputs)
        {
            Varies[slot] = true;
        }
        for (var slot = 0; slot < plan.Count; slot++)
        {
            Varies[slot] |= plan.Inputs[slot].Any(input => Varies[input]);
        }
        SeededOutputs = request.ForwardOnly ? [] : Outputs[..(request.SeededOutputs ?? Outputs.Length)];
        OnPath = PathSlots.Between(plan, SeededOutputs, Wrt);
        SharedValues = ComputeShared();

        ValueInColumn = new bool[plan.Count];
        foreach (var slot in BatchInputs.Concat(Outputs.Where(slot => Varies[slot])))
        {
            ValueInColumn[slot] = true;
        }
        ForwardSlots = Enumerable.Range(0, plan.Count).Where(slot => Varies[slot] && plan.Ops[slot] is not LeafOp).ToArray();
        GradientInColumn = new bool[plan.Count];
        foreach (var slot in Wrt.Where(slot => OnPath[slot] && !IsSummed(slot)))
        {
            GradientInColumn[slot] = true;
        }

        Steps = new ChunkStep?[plan.Count];
        for (var slot = 0; slot < plan.Count; slot++)
        {
            if (plan.Ops[slot] is not LeafOp && (Varies[slot] || OnPath[slot]))
            {
                Steps[slot] = ChunkStep.For(this, slot);
            }
        }
        Backward = BackwardSchedule.Create(this);
        Buffers = ChunkBufferAssignment.Create(this);

        var columns = BatchInputs.Concat(Outputs).Concat(Wrt.Where(slot => GradientInColumn[slot])).Sum(slot => (long)PointSizes[slot]);
        var largest = PointSizes.DefaultIfEmpty(1).Max();
        var bytesPerPoint = (Buffers.ElementsPerPoint + columns + 2L * largest) * sizeof(double);
        ChunkSize = chunkSize ?? (int)Math.Clamp(ChunkBytes / Math.Max(1, bytesPerPoint), MinChunk, MaxChunk);
        // With tangents, the extended plan runs (fused when it can); this one only describes the request.
        Tangent = request.Tangents.Count > 0 ? TangentBatch.Create(this, chunkSize, fuse) : null;
        Fused = fuse && Tangent is null ? FusedChunk.TryCreate(this) : null;
        if (chunkSize is null && Fused is not null)
        {
            // Whole vectors per chunk, so that only the batch's last chunk has points the loop leaves to the steps.
            ChunkSize -= ChunkSize % Fused.Lanes;
        }
    }

    public Plan Plan { get; }

    public BatchRequest Request { get; }

    /// <summary>Elements per point of each slot.</summary>
    public int[] PointSizes { get; }

    public int[] BatchInputs { get; }

    public int[] Outputs { get; }

    public int[] Wrt { get; }

    /// <summary>The outputs backward starts from: all of them, unless the request says fewer.</summary>
    internal int[] SeededOutputs { get; }

    /// <summary>Slots whose value depends on a batch input.</summary>
    public bool[] Varies { get; }

    /// <summary>Slots backward visits: on a path from an output back to a wrt node.</summary>
    public bool[] OnPath { get; }

    /// <summary>The value of every slot that does not vary; null for those that do.</summary>
    public Tensor?[] SharedValues { get; }

    public int ChunkSize { get; }

    /// <summary>Slots whose values a chunk reads or writes in place in a caller's column: batch inputs and varying outputs.</summary>
    internal bool[] ValueInColumn { get; }

    /// <summary>Slots whose gradient a chunk writes in place in a result column: wrt nodes with a gradient per point.</summary>
    internal bool[] GradientInColumn { get; }

    /// <summary>The slots a chunk's forward pass computes: those that vary, but not the batch inputs.</summary>
    internal int[] ForwardSlots { get; }

    /// <summary>How a chunk runs each slot's op, forward and backward; null for leaves and slots a chunk never runs.</summary>
    internal ChunkStep?[] Steps { get; }

    internal BackwardSchedule Backward { get; }

    internal ChunkBufferAssignment Buffers { get; }

    /// <summary>The whole plan as one fused loop, when every step can fuse; else null.</summary>
    internal FusedChunk? Fused { get; }

    /// <summary>With tangents asked for, the plan extended with tangent nodes that evaluates the batch; else null.</summary>
    internal TangentBatch? Tangent { get; }

    /// <summary>Workers' scratch, given back after each batch for the next one.</summary>
    internal ConcurrentBag<ChunkBuffers> SpareBuffers { get; } = [];

    /// <summary>Whether a wrt slot's gradient is one sum over all points rather than one per point.</summary>
    internal bool IsSummed(int slot) => !Varies[slot] && Request.SharedGradients == SharedGradients.Sum;

    /// <summary>
    /// Splits <paramref name="plan"/> for <paramref name="request"/>; throws ArgumentException naming
    /// a batch input that is not an input leaf. Check node names with the compilation first.
    /// <paramref name="chunkSize"/> overrides the cache-sized choice of points per chunk.
    /// </summary>
    public static BatchPlan Create(Plan plan, BatchRequest request, int? chunkSize = null) => Create(plan, request, chunkSize, fuse: true);

    /// <summary>As the public <see cref="Create(Plan, BatchRequest, int?)"/>; <paramref name="fuse"/> false keeps every step apart, to compare.</summary>
    internal static BatchPlan Create(Plan plan, BatchRequest request, int? chunkSize, bool fuse)
    {
        if (chunkSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "a chunk holds at least one point");
        }
        foreach (var id in request.BatchInputs)
        {
            if (plan.Ops[plan.SlotOf(id)] is not LeafOp { IsVariable: true })
            {
                throw new ArgumentException($"node '{id}' is a batch input but not an input leaf", nameof(request));
            }
        }
        if (request.ForwardOnly && request.Wrt.Count > 0)
        {
            throw new ArgumentException("a forward-only batch takes no wrt nodes", nameof(request));
        }
        foreach (var id in request.Tangents)
        {
            if (plan.Ops[plan.SlotOf(id)] is not LeafOp { IsVariable: true })
            {
                throw new ArgumentException($"node '{id}' has a tangent but is not an input leaf", nameof(request));
            }
        }
        if (request.Tangents.Distinct().Count() != request.Tangents.Count)
        {
            throw new ArgumentException("a leaf is named twice among the tangents", nameof(request));
        }
        var made = Made.GetOrCreateValue(plan);
        var key = Key(request, chunkSize, fuse);
        if (made.TryGetValue(key, out var batchPlan))
        {
            return batchPlan;
        }
        batchPlan = new BatchPlan(plan, request, chunkSize, fuse);
        if (made.Count < MadePerPlan)
        {
            made.TryAdd(key, batchPlan);
        }
        return batchPlan;
    }

    /// <summary>What makes two batch plans of one compiled plan the same; each id is length-prefixed, so no id can fake a separator.</summary>
    private static string Key(BatchRequest request, int? chunkSize, bool fuse)
    {
        static string Ids(IReadOnlyList<string> ids) => string.Concat(ids.Select(id => $"{id.Length}:{id}"));
        return $"{Ids(request.BatchInputs)}|{Ids(request.Outputs)}|{Ids(request.Wrt)}|{request.SharedGradients}|{request.ForwardOnly}|{request.SeededOutputs}|{Ids(request.Tangents)}|{chunkSize}|{fuse}";
    }

    private Tensor?[] ComputeShared()
    {
        var values = new Tensor?[Plan.Count];
        var operands = new List<Tensor>();
        for (var slot = 0; slot < Plan.Count; slot++)
        {
            if (Varies[slot])
            {
                continue;
            }
            operands.Clear();
            operands.AddRange(Plan.Inputs[slot].Select(input => values[input]!));
            values[slot] = Plan.Ops[slot].Forward(operands.ToArray());
        }
        return values;
    }
}
