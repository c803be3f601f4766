using GraphGrpc.Engine.Compilation;

namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// Builds nodes on top of a compiled graph for symbolic rules (an op's backward rule as graph ops, its JVP
/// rule), simplifying as it goes: constants fold, ×1, +0 and ×0 vanish where shapes allow, and an op
/// applied twice to the same inputs is one node. Null is a tensor of zeros throughout.
/// </summary>
public sealed class GraphEmitter
{
    internal GraphEmitter(Plan plan) => throw new NotSupportedException("the emitter lands with the Differentiator");

    public SymbolicTensor Constant(double value, int[] shape) => throw new NotSupportedException();
    public SymbolicTensor? Add(SymbolicTensor? a, SymbolicTensor? b) => throw new NotSupportedException();
    public SymbolicTensor? Sub(SymbolicTensor? a, SymbolicTensor? b) => throw new NotSupportedException();
    public SymbolicTensor? Mul(SymbolicTensor? a, SymbolicTensor? b) => throw new NotSupportedException();
    public SymbolicTensor? Div(SymbolicTensor? a, SymbolicTensor b) => throw new NotSupportedException();
    public SymbolicTensor? Neg(SymbolicTensor? x) => throw new NotSupportedException();
}
