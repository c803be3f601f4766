using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops;

/// <summary>
/// One operation: its shape rule, forward rule and backward (local gradient) rule in one place.
/// An instance carries the node's attributes (axes, exponent, ...), so rules read them directly.
/// </summary>
public abstract class Op
{
    /// <summary>The op's name as the graph file spells it, e.g. "add" or "logSoftmax".</summary>
    public abstract string Name { get; }

    /// <summary>How many inputs the op takes.</summary>
    public abstract Arity Arity { get; }

    /// <summary>What the forward pass must keep for the backward rule.</summary>
    public abstract CachedForBackward Cached { get; }

    /// <summary>The output shape for the given input shapes; throws <see cref="ShapeException"/> when they do not fit.</summary>
    public abstract int[] InferShape(ReadOnlySpan<int[]> inputs);

    public abstract Tensor Forward(ReadOnlySpan<Tensor> inputs);

    /// <summary>
    /// The vector-Jacobian product for one input: how <paramref name="gradient"/>, the gradient of the
    /// output, flows back into input number <paramref name="input"/>. Null means no gradient flows there
    /// (a class index, say). The result has that input's shape.
    /// </summary>
    public abstract Tensor? Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient);

    /// <summary>
    /// Whether <see cref="Backward"/> gives input number <paramref name="input"/> a gradient when the inputs
    /// have these shapes: false exactly where it returns null, so a batch can plan its backward pass ahead.
    /// </summary>
    public virtual bool HasGradient(int input, ReadOnlySpan<int[]> inputShapes) => true;

    /// <summary>
    /// <see cref="Backward"/> written with graph ops: the node that computes input number <paramref name="input"/>'s
    /// share of <paramref name="gradient"/>, shaped like that input; null for no share (zero).
    /// </summary>
    public abstract SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit);

    /// <summary>
    /// The Jacobian-vector product, written with graph ops: the output's tangent given each input's tangent
    /// (null for zero), shaped like the output; null when it is zero.
    /// </summary>
    public abstract SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit);
}
