using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Normalization;

/// <summary>softmax along one axis (the last by default), shifted by the maximum so it cannot overflow.</summary>
public sealed class SoftmaxOp(int? axis) : Op
{
    public int? Axis { get; } = axis;

    public override string Name => "softmax";

    public override Arity Arity => Arity.Unary;

    public override CachedForBackward Cached => CachedForBackward.Output;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs)
    {
        AxisLayout.Around(inputs[0], Axis);
        return inputs[0];
    }

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var x = inputs[0];
        var layout = AxisLayout.Around(x.Shape, Axis);
        var y = new double[x.Length];
        for (var o = 0; o < layout.Outer; o++)
        {
            for (var i = 0; i < layout.Inner; i++)
            {
                var max = double.NegativeInfinity;
                for (var j = 0; j < layout.Length; j++)
                {
                    max = Math.Max(max, x.Data[layout.Offset(o, j, i)]);
                }
                var sum = 0.0;
                for (var j = 0; j < layout.Length; j++)
                {
                    var at = layout.Offset(o, j, i);
                    y[at] = Math.Exp(x.Data[at] - max);
                    sum += y[at];
                }
                // PyTorch multiplies by the reciprocal of the sum.
                var scale = 1 / sum;
                for (var j = 0; j < layout.Length; j++)
                {
                    y[layout.Offset(o, j, i)] *= scale;
                }
            }
        }
        return new Tensor(x.Shape, y);
    }

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit) =>
        Product(emit, output, gradient);

    // The Jacobian diag(y) - y yᵀ is symmetric: its product with a tangent is the gradient rule's.
    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        tangents[0] is { } tangent ? Product(emit, output, tangent) : null;

    /// <summary>y * (v - sum(v * y)) along the axis.</summary>
    private SymbolicTensor? Product(GraphEmitter emit, SymbolicTensor y, SymbolicTensor v) =>
        emit.Mul(y, emit.Sub(v, emit.Sum(emit.Mul(v, y), [Axis ?? -1], keepDims: true)));

    // dx = y * (g - sum(g * y)) along the axis
    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var layout = AxisLayout.Around(output.Shape, Axis);
        var (y, g) = (output.Data, gradient.Data);
        var dx = new double[y.Length];
        for (var o = 0; o < layout.Outer; o++)
        {
            for (var i = 0; i < layout.Inner; i++)
            {
                var dot = 0.0;
                for (var j = 0; j < layout.Length; j++)
                {
                    var at = layout.Offset(o, j, i);
                    dot += g[at] * y[at];
                }
                for (var j = 0; j < layout.Length; j++)
                {
                    var at = layout.Offset(o, j, i);
                    dx[at] = y[at] * (g[at] - dot);
                }
            }
        }
        return new Tensor(output.Shape, dx);
    }
}
