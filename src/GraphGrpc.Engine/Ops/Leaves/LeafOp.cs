using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Leaves;

/// <summary>A leaf: an input variable, which may need a gradient, or a constant, which never does.</summary>
public sealed class LeafOp(Tensor value, bool isVariable) : Op
{
    public Tensor Value { get; } = value;

    public bool IsVariable { get; } = isVariable;

    public override string Name => IsVariable ? "input" : "constant";

    public override Arity Arity => Arity.Leaf;

    public override CachedForBackward Cached => CachedForBackward.Nothing;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs) => Value.Shape;

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs) => Value;

    public override Tensor? Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient) =>
        throw new InvalidOperationException("a leaf has no inputs to send a gradient to");

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit) =>
        throw new InvalidOperationException("a leaf has no inputs to send a gradient to");

    // A leaf's tangent is given, not derived: the caller's for an input, zero for a constant.
    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        throw new InvalidOperationException("a leaf's tangent is given, not derived");
}
