using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace GraphGrpc.Engine.Ops.Reductions;

/// <summary>
/// Sum or mean over some axes (all when none are given), keeping them as 1 or dropping them.
/// The mean is the sum divided by the count of folded elements, forward and backward.
/// </summary>
public sealed class ReduceOp(bool mean, IReadOnlyList<int> axes, bool keepDims) : Op, IFoldOp
{
    public bool IsMean { get; } = mean;

    public IReadOnlyList<int> Axes { get; } = axes;

    public bool KeepDims { get; } = keepDims;

    public override string Name => IsMean ? "mean" : "sum";

    public override Arity Arity => Arity.Unary;

    public override CachedForBackward Cached => CachedForBackward.Nothing;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs) =>
        Shapes.Reduce(inputs[0], Shapes.ReducedAxes(Axes, inputs[0].Length), KeepDims);

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var x = inputs[0];
        var shape = InferShape([x.Shape]);
        if (Shapes.ElementCount(shape) == 1)
        {
            var folded = new double[1];
            Fold(x.Data, x.Length, folded);
            return new Tensor(shape, folded);
        }
        var (kept, count) = KeptShape(x.Shape);
        var sum = Broadcasting.SumTo(x, kept);
        var data = sum.Data == x.Data ? (double[])x.Data.Clone() : sum.Data;
        if (IsMean)
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] /= count;
            }
        }
        return new Tensor(shape, data);
    }

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var shape = inputs[0].Shape;
        if (gradient.Length == 1)
        {
            var spread = new double[inputs[0].Length];
            Unfold(gradient.Data, spread.Length, spread);
            return new Tensor(shape, spread);
        }
        var (kept, count) = KeptShape(shape);
        var expanded = Broadcasting.Expand(gradient.WithShape(kept), shape);
        if (!IsMean)
        {
            return expanded;
        }
        var data = new double[expanded.Length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = expanded.Data[i] / count;
        }
        return new Tensor(shape, data);
    }

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit)
    {
        var shape = inputs[0].Shape;
        var (kept, count) = KeptShape(shape);
        var spread = emit.BroadcastTo(emit.Reshape(gradient, kept), shape);
        return IsMean ? emit.Div(spread, emit.Constant(count, [])) : spread;
    }

    // Sum and mean are linear: the tangent's sum or mean.
    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        IsMean ? emit.Mean(tangents[0], Axes, KeepDims) : emit.Sum(tangents[0], Axes, KeepDims);

    /// <summary>Every element of a point summed from zero in order (a lone element copied), then over their count for a mean.</summary>
    public void Fold(ReadOnlySpan<double> x, int pointSize, Span<double> y)
    {
        Broadcasting.SumEachRun(x, pointSize, y);
        if (IsMean)
        {
            TensorPrimitives.Divide(y, pointSize, y);
        }
    }

    /// <summary>Each point's gradient on every one of its elements, over their count for a mean.</summary>
    public void Unfold(ReadOnlySpan<double> g, int pointSize, Span<double> d)
    {
        for (var k = 0; k < g.Length; k++)
        {
            d.Slice(k * pointSize, pointSize).Fill(g[k]);
        }
        if (IsMean)
        {
            TensorPrimitives.Divide(d, pointSize, d);
        }
    }

    /// <summary>The shape with folded axes kept as 1, and how many elements fold into each output.</summary>
    private (int[] Kept, int Count) KeptShape(int[] shape)
    {
        var reduced = Shapes.ReducedAxes(Axes, shape.Length);
        var count = 1;
        for (var axis = 0; axis < shape.Length; axis++)
        {
            count *= reduced[axis] ? shape[axis] : 1;
        }
        return (Shapes.Reduce(shape, reduced, keepDims: true), count);
    }
}
