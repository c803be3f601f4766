using GraphGrpc.Engine.Ops;

namespace GraphGrpc.Engine.Batch.Steps;

/// <summary>
/// How a chunk of points runs one slot's op, forward and backward. The batch plan picks it once, by
/// asking the op what it is in a batch: elementwise (<see cref="IElementwiseOp"/>), a fold of each point
/// (<see cref="IFoldOp"/>), or neither, which runs point by point through the op's whole-tensor rules.
/// Every kind gives each point the bits a one-point evaluation gives it.
/// </summary>
internal abstract class ChunkStep(BatchPlan plan, int slot)
{
    protected BatchPlan Plan { get; } = plan;

    protected int Slot { get; } = slot;

    protected int[] Inputs { get; } = plan.Plan.Inputs[slot];

    /// <summary>Elements per point of the slot.</summary>
    protected int Size { get; } = plan.PointSizes[slot];

    /// <summary>Whether this step's backward rule reads its operands' values, so they must outlive its backward visit.</summary>
    public abstract bool ReadsInputsBackward { get; }

    /// <summary>Whether this step's backward rule reads the slot's own value.</summary>
    public abstract bool ReadsOutputBackward { get; }

    /// <summary>Computes the slot's values for the chunk's points.</summary>
    public abstract void Forward(ChunkColumns chunk);

    /// <summary>
    /// Operand <paramref name="operand"/>'s share of the slot's gradient <paramref name="g"/> at every point of
    /// the chunk, into <paramref name="share"/> (the operand's elements per point, point after point).
    /// </summary>
    public abstract void Share(ChunkColumns chunk, int operand, ReadOnlySpan<double> g, Span<double> share);

    /// <summary>Whether operand <paramref name="operand"/>'s share is the slot's gradient unchanged, point for point.</summary>
    public virtual bool PassesGradientThrough(int operand) => false;

    public static ChunkStep For(BatchPlan plan, int slot)
    {
        var op = plan.Plan.Ops[slot];
        var inputs = plan.Plan.Inputs[slot];
        var size = plan.PointSizes[slot];
        return op switch
        {
            IElementwiseOp elementwise when plan.Varies[slot] && inputs.All(input => IsWholeChunk(plan, input, size)) =>
                new ElementwiseStep(plan, slot, elementwise, op.Cached),
            IElementwiseOp elementwise when inputs.All(input => FitsEachPoint(plan, input, size)) =>
                new PointwiseElementwiseStep(plan, slot, elementwise, op.Cached),
            IFoldOp fold when size == 1 => new FoldStep(plan, slot, fold),
            _ => new PointByPointStep(plan, slot, op),
        };
    }

    /// <summary>An operand whose chunk span lines up with the output's: every point's elements, or one shared value standing for all.</summary>
    private static bool IsWholeChunk(BatchPlan plan, int input, int size) =>
        plan.Varies[input] ? plan.PointSizes[input] == size : plan.PointSizes[input] == 1;

    /// <summary>An operand that, point by point, has the output's element count or is one shared value.</summary>
    private static bool FitsEachPoint(BatchPlan plan, int input, int size) =>
        plan.PointSizes[input] == size || (!plan.Varies[input] && plan.PointSizes[input] == 1);
}
