using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Elementwise;

/// <summary>
/// An elementwise function of one tensor. A subclass states the function and its local gradient per
/// element; this base applies them over the data. Rules follow PyTorch's formulas term by term, so
/// results agree to the last bit wherever the underlying math library agrees.
/// </summary>
public abstract class UnaryOp : Op
{
    public override Arity Arity => Arity.Unary;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs) => inputs[0];

    /// <summary>The function at one element.</summary>
    protected abstract double Apply(double x);

    /// <summary>The upstream gradient <paramref name="g"/> times dy/dx at one element, given x and y = f(x).</summary>
    protected abstract double Gradient(double g, double x, double y);

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var x = inputs[0].Data;
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = Apply(x[i]);
        }
        return new Tensor(inputs[0].Shape, y);
    }

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var x = inputs[0].Data;
        var y = output.Data;
        var g = gradient.Data;
        var dx = new double[x.Length];
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = Gradient(g[i], x[i], y[i]);
        }
        return new Tensor(inputs[0].Shape, dx);
    }
}
