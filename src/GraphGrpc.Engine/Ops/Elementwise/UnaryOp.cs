using System.Linq.Expressions;
using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Kernels;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Elementwise;

/// <summary>
/// An elementwise function of one tensor. A subclass states the function and its local gradient per
/// element; the span rules apply them over data, and a subclass may replace them with a vectorized
/// kernel. Every element depends on its own input alone, so a tensor, a batch of points or a single
/// value give the same bits. Rules follow PyTorch's formulas term by term.
/// </summary>
public abstract class UnaryOp : Op, IElementwiseOp
{
    public override Arity Arity => Arity.Unary;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs) => inputs[0];

    /// <summary>The function at one element.</summary>
    protected abstract double Apply(double x);

    /// <summary>The upstream gradient <paramref name="g"/> times dy/dx at one element, given x and y = f(x).</summary>
    protected abstract double Gradient(double g, double x, double y);

    /// <summary><see cref="Gradient"/> with graph ops: <paramref name="g"/> times f'(x), given x and y = f(x); null for zero.</summary>
    protected abstract SymbolicTensor? SymbolicGradient(GraphEmitter emit, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y);

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit) =>
        SymbolicGradient(emit, gradient, inputs[0], output);

    // Each element depends on its own input alone, so the Jacobian is diagonal: its product with a tangent is the gradient rule's.
    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        tangents[0] is { } tangent ? SymbolicGradient(emit, tangent, inputs[0], output) : null;

    /// <summary>y = f(x) over a span.</summary>
    public virtual void Compute(ReadOnlySpan<double> x, Span<double> y)
    {
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = Apply(x[i]);
        }
    }

    /// <summary>dx = g · f'(x) over spans, given x and y = f(x).</summary>
    public virtual void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = Gradient(g[i], x[i], y[i]);
        }
    }

    void IElementwiseOp.Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => Compute(a, y);

    void IElementwiseOp.ComputeGradient(
        int input, ReadOnlySpan<double> g, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, Span<double> d) =>
        ComputeGradient(g, a, y, d);

    bool IElementwiseOp.PassesGradientThrough(int input) => false;

    /// <summary><see cref="Compute"/> as a lane formula with the same bits, for fused loops; null for an op with none.</summary>
    public virtual Expression? FusedCompute(VectorLanes lanes, Expression x) => null;

    /// <summary><see cref="ComputeGradient"/> as a lane formula with the same bits; null for an op with none.</summary>
    public virtual Expression? FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) => null;

    Expression? IElementwiseOp.FusedCompute(VectorLanes lanes, Expression a, Expression b) => FusedCompute(lanes, a);

    Expression? IElementwiseOp.FusedGradient(VectorLanes lanes, int input, Expression g, Expression a, Expression b, Expression y) =>
        FusedGradient(lanes, g, a, y);

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var y = new double[inputs[0].Length];
        Compute(inputs[0].Data, y);
        return new Tensor(inputs[0].Shape, y);
    }

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var dx = new double[inputs[0].Length];
        ComputeGradient(gradient.Data, inputs[0].Data, output.Data, dx);
        return new Tensor(inputs[0].Shape, dx);
    }
}
