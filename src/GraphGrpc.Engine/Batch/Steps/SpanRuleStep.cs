using GraphGrpc.Engine.Ops;

namespace GraphGrpc.Engine.Batch.Steps;

/// <summary>A step that runs an elementwise op's span rules: it keeps what the op declares its backward rule reads.</summary>
internal abstract class SpanRuleStep(BatchPlan plan, int slot, IElementwiseOp op, CachedForBackward cached) : ChunkStep(plan, slot)
{
    protected IElementwiseOp Op { get; } = op;

    public override bool ReadsInputsBackward => cached.HasFlag(CachedForBackward.Inputs);

    public override bool ReadsOutputBackward => cached.HasFlag(CachedForBackward.Output);

    public override bool PassesGradientThrough(int operand) => Op.PassesGradientThrough(operand);
}
