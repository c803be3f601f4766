using GraphGrpc.Engine.Ops;

namespace GraphGrpc.Engine.Batch.Steps;

/// <summary>A sum or mean of all of each point's elements: one fold over the chunk.</summary>
internal sealed class FoldStep(BatchPlan plan, int slot, IFoldOp op) : ChunkStep(plan, slot)
{
    private readonly int _inputSize = plan.PointSizes[plan.Plan.Inputs[slot][0]];

    public override bool ReadsInputsBackward => false;

    public override bool ReadsOutputBackward => false;

    public override void Forward(ChunkColumns chunk) => op.Fold(chunk.Operand(Inputs[0]), _inputSize, chunk.Values(Slot));

    public override void Share(ChunkColumns chunk, int operand, ReadOnlySpan<double> g, Span<double> share) => op.Unfold(g, _inputSize, share);
}
