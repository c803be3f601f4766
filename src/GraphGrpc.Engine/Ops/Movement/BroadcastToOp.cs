using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Movement;

/// <summary>Repeats the input along broadcast axes to a given shape (numpy.broadcast_to); backward sums back over them.</summary>
public sealed class BroadcastToOp(int[] shape) : Op
{
    public int[] Shape { get; } = shape;

    public override string Name => "broadcast_to";

    public override Arity Arity => Arity.Unary;

    public override CachedForBackward Cached => CachedForBackward.Nothing;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs)
    {
        if (Shapes.TryBroadcast(inputs[0], Shape) is not { } broadcast || !Shapes.SameShape(broadcast, Shape))
        {
            throw new ShapeException($"cannot broadcast {Shapes.Format(inputs[0])} to {Shapes.Format(Shape)}");
        }
        return Shape;
    }

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs) => Broadcasting.Expand(inputs[0], Shape);

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient) =>
        Broadcasting.SumTo(gradient, inputs[0].Shape);

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit) =>
        emit.SumTo(gradient, inputs[0].Shape);

    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        emit.BroadcastTo(tangents[0], Shape);
}
