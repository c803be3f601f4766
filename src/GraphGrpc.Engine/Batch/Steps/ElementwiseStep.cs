using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Batch.Steps;

/// <summary>An elementwise op whose operands line up with its output over the whole chunk: one call of its span rule per chunk.</summary>
internal sealed class ElementwiseStep(BatchPlan plan, int slot, IElementwiseOp op, CachedForBackward cached) : SpanRuleStep(plan, slot, op, cached)
{
    public override void Forward(ChunkColumns chunk) =>
        Op.Compute(chunk.Operand(Inputs[0]), Inputs.Length > 1 ? chunk.Operand(Inputs[1]) : default, chunk.Values(Slot));

    public override void Share(ChunkColumns chunk, int operand, ReadOnlySpan<double> g, Span<double> share)
    {
        var a = chunk.Operand(Inputs[0]);
        var b = Inputs.Length > 1 ? chunk.Operand(Inputs[1]) : default;
        if (Plan.PointSizes[Inputs[operand]] == Size)
        {
            Op.ComputeGradient(operand, g, a, b, chunk.Values(Slot), share);
            return;
        }
        // A shared scalar broadcast over each point: its share is each point's elements summed.
        var wide = chunk.Wide(g.Length);
        Op.ComputeGradient(operand, g, a, b, chunk.Values(Slot), wide);
        Broadcasting.SumEachRun(wide, Size, share);
    }
}
