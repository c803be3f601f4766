using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Movement;

/// <summary>The same data under a new shape; one dimension may be -1, inferred from the element count.</summary>
public sealed class ReshapeOp(IReadOnlyList<long> shape) : Op
{
    public IReadOnlyList<long> Shape { get; } = shape;

    public override string Name => "reshape";

    public override Arity Arity => Arity.Unary;

    public override CachedForBackward Cached => CachedForBackward.Nothing;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs)
    {
        var count = Shapes.ElementCount(inputs[0]);
        var result = new int[Shape.Count];
        var inferred = -1;
        long known = 1;
        for (var axis = 0; axis < result.Length; axis++)
        {
            var dim = Shape[axis];
            if (dim == -1)
            {
                if (inferred >= 0)
                {
                    throw new ShapeException("reshape allows only one -1 dimension");
                }
                inferred = axis;
                continue;
            }
            if (dim < 0 || dim > int.MaxValue)
            {
                throw new ShapeException($"reshape dimension {dim} is invalid");
            }
            result[axis] = (int)dim;
            known *= dim;
        }
        if (inferred >= 0 && known > 0 && count % known == 0)
        {
            result[inferred] = (int)(count / known);
            known *= result[inferred];
        }
        if (known != count)
        {
            throw new ShapeException(
                $"cannot reshape {Shapes.Format(inputs[0])} ({count} elements) to [{string.Join(", ", Shape)}]");
        }
        return result;
    }

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs) => inputs[0].WithShape(InferShape([inputs[0].Shape]));

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient) =>
        gradient.WithShape(inputs[0].Shape);

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit) =>
        emit.Reshape(gradient, inputs[0].Shape);

    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        emit.Reshape(tangents[0], output.Shape);
}
