using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Batch.Steps;

/// <summary>
/// An elementwise op whose operands line up with its output only within each point (a shared vector, or
/// a slot that does not vary but has a gradient per point): its span rule once per point.
/// </summary>
internal sealed class PointwiseElementwiseStep(BatchPlan plan, int slot, IElementwiseOp op, CachedForBackward cached) : SpanRuleStep(plan, slot, op, cached)
{
    public override void Forward(ChunkColumns chunk)
    {
        var y = chunk.Values(Slot);
        for (var k = 0; k < chunk.Count; k++)
        {
            Op.Compute(chunk.PointOf(Inputs[0], k), Inputs.Length > 1 ? chunk.PointOf(Inputs[1], k) : default, y.Slice(k * Size, Size));
        }
    }

    public override void Share(ChunkColumns chunk, int operand, ReadOnlySpan<double> g, Span<double> share)
    {
        var fits = Plan.PointSizes[Inputs[operand]] == Size;
        var perPoint = fits ? share : chunk.Wide(g.Length);
        for (var k = 0; k < chunk.Count; k++)
        {
            var b = Inputs.Length > 1 ? chunk.PointOf(Inputs[1], k) : default;
            Op.ComputeGradient(operand, g.Slice(k * Size, Size), chunk.PointOf(Inputs[0], k), b, chunk.PointOf(Slot, k), perPoint.Slice(k * Size, Size));
        }
        if (!fits)
        {
            Broadcasting.SumEachRun(perPoint, Size, share);
        }
    }
}
