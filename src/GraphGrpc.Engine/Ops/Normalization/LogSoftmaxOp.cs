using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Normalization;

/// <summary>log(softmax(x)) along one axis (the last by default), as x - (max + log(sum(exp(x - max)))).</summary>
public sealed class LogSoftmaxOp(int? axis) : Op
{
    public int? Axis { get; } = axis;

    public override string Name => "log_softmax";

    public override Arity Arity => Arity.Unary;

    public override CachedForBackward Cached => CachedForBackward.Output;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs)
    {
        AxisLayout.Around(inputs[0], Axis);
        return inputs[0];
    }

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs) => Compute(inputs[0], Axis);

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient) =>
        Gradient(output, gradient, Axis);

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit) =>
        SymbolicGradient(emit, output, gradient, Axis);

    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        SymbolicJvp(emit, output, tangents[0], Axis);

    /// <summary>The backward rule with graph ops, shared with cross entropy: g - exp(y) * sum(g) along the axis.</summary>
    internal static SymbolicTensor? SymbolicGradient(GraphEmitter emit, SymbolicTensor output, SymbolicTensor? gradient, int? axis) =>
        emit.Sub(gradient, emit.Mul(emit.Exp(output), emit.Sum(gradient, [axis ?? -1], keepDims: true)));

    /// <summary>The tangent t - sum(exp(y) * t) along the axis, shared with cross entropy.</summary>
    internal static SymbolicTensor? SymbolicJvp(GraphEmitter emit, SymbolicTensor output, SymbolicTensor? tangent, int? axis) =>
        emit.Sub(tangent, emit.Sum(emit.Mul(emit.Exp(output), tangent), [axis ?? -1], keepDims: true));

    /// <summary>The forward rule, shared with cross entropy.</summary>
    internal static Tensor Compute(Tensor x, int? axis)
    {
        var layout = AxisLayout.Around(x.Shape, axis);
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
                    sum += Math.Exp(x.Data[layout.Offset(o, j, i)] - max);
                }
                var shift = max + Math.Log(sum);
                for (var j = 0; j < layout.Length; j++)
                {
                    var at = layout.Offset(o, j, i);
                    y[at] = x.Data[at] - shift;
                }
            }
        }
        return new Tensor(x.Shape, y);
    }

    /// <summary>The backward rule, shared with cross entropy: dx = g - exp(y) * sum(g) along the axis.</summary>
    internal static Tensor Gradient(Tensor output, Tensor gradient, int? axis)
    {
        var layout = AxisLayout.Around(output.Shape, axis);
        var (y, g) = (output.Data, gradient.Data);
        var dx = new double[y.Length];
        for (var o = 0; o < layout.Outer; o++)
        {
            for (var i = 0; i < layout.Inner; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < layout.Length; j++)
                {
                    sum += g[layout.Offset(o, j, i)];
                }
                for (var j = 0; j < layout.Length; j++)
                {
                    var at = layout.Offset(o, j, i);
                    dx[at] = g[at] - Math.Exp(y[at]) * sum;
                }
            }
        }
        return new Tensor(output.Shape, dx);
    }
}
