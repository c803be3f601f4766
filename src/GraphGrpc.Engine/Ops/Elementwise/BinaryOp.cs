using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Elementwise;

/// <summary>
/// An elementwise function of two tensors that broadcast the way numpy does. A subclass states the
/// function and its two local gradients per element; this base broadcasts forward and sums each
/// gradient back over the axes its operand was broadcast along.
/// </summary>
public abstract class BinaryOp : Op
{
    public override Arity Arity => Arity.Binary;

    public override CachedForBackward Cached => CachedForBackward.Inputs;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs) => Shapes.Broadcast(inputs[0], inputs[1]);

    protected abstract double Apply(double a, double b);

    /// <summary>g times d(a op b)/da at one element, given a, b and y = a op b.</summary>
    protected abstract double GradientLeft(double g, double a, double b, double y);

    /// <summary>g times d(a op b)/db at one element.</summary>
    protected abstract double GradientRight(double g, double a, double b, double y);

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        var shape = Shapes.Broadcast(a.Shape, b.Shape);
        var y = new double[Shapes.ElementCount(shape)];
        if (Shapes.SameShape(a.Shape, b.Shape))
        {
            for (var i = 0; i < y.Length; i++)
            {
                y[i] = Apply(a.Data[i], b.Data[i]);
            }
        }
        else
        {
            var (offsetsA, offsetsB) = (Broadcasting.Offsets(a.Shape, shape), Broadcasting.Offsets(b.Shape, shape));
            for (var i = 0; i < y.Length; i++)
            {
                y[i] = Apply(a.Data[offsetsA[i]], b.Data[offsetsB[i]]);
            }
        }
        return new Tensor(shape, y);
    }

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var (a, b) = (inputs[0], inputs[1]);
        var shape = output.Shape;
        var (offsetsA, offsetsB) = Shapes.SameShape(a.Shape, b.Shape)
            ? (null, null)
            : (Broadcasting.Offsets(a.Shape, shape), Broadcasting.Offsets(b.Shape, shape));
        var g = gradient.Data;
        var y = output.Data;
        var full = new double[y.Length];
        for (var i = 0; i < full.Length; i++)
        {
            var ai = a.Data[offsetsA?[i] ?? i];
            var bi = b.Data[offsetsB?[i] ?? i];
            full[i] = input == 0 ? GradientLeft(g[i], ai, bi, y[i]) : GradientRight(g[i], ai, bi, y[i]);
        }
        return Broadcasting.SumTo(new Tensor(shape, full), inputs[input].Shape);
    }
}
