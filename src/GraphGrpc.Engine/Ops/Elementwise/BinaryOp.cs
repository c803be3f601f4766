using System.Linq.Expressions;
using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Kernels;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Elementwise;

/// <summary>
/// An elementwise function of two tensors that broadcast the way numpy does. A subclass states the
/// function and its two local gradients per element; the span rules apply them, and a subclass may
/// replace them with vectorized kernels. Broadcasting forward expands the operands; backward sums
/// each gradient back over the axes its operand was broadcast along.
/// </summary>
public abstract class BinaryOp : Op, IElementwiseOp
{
    public override Arity Arity => Arity.Binary;

    public override CachedForBackward Cached => CachedForBackward.Inputs;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs) => Shapes.Broadcast(inputs[0], inputs[1]);

    protected abstract double Apply(double a, double b);

    /// <summary>g times d(a op b)/da at one element, given a, b and y = a op b.</summary>
    protected abstract double GradientLeft(double g, double a, double b, double y);

    /// <summary>g times d(a op b)/db at one element.</summary>
    protected abstract double GradientRight(double g, double a, double b, double y);

    /// <summary>
    /// <see cref="ComputeGradient"/> with graph ops: operand <paramref name="input"/>'s share of <paramref name="g"/>
    /// at every element of y, before summing over broadcast axes; null for zero.
    /// </summary>
    protected abstract SymbolicTensor? SymbolicShare(
        GraphEmitter emit, int input, SymbolicTensor g, SymbolicTensor a, SymbolicTensor b, SymbolicTensor y);

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit) =>
        emit.SumTo(SymbolicShare(emit, input, gradient, inputs[0], inputs[1], output), inputs[input].Shape);

    // Elementwise, so each operand's share rule, given its tangent in place of the gradient, is its part of
    // the output's tangent; the parts add, and fill the output's shape.
    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit)
    {
        SymbolicTensor? sum = null;
        for (var k = 0; k < 2; k++)
        {
            if (tangents[k] is { } tangent)
            {
                sum = emit.Add(sum, SymbolicShare(emit, k, tangent, inputs[0], inputs[1], output));
            }
        }
        return emit.BroadcastTo(sum, output.Shape);
    }

    /// <summary>
    /// y = a op b over spans. Each operand has y's length, or length 1 to stand for that one value
    /// repeated: the shape a batch of points gives a shared scalar.
    /// </summary>
    public virtual void Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        var (sa, sb) = (Step(a), Step(b));
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = Apply(a[i * sa], b[i * sb]);
        }
    }

    /// <summary>
    /// The gradient for operand <paramref name="input"/> at every element of y (before any summing
    /// over broadcast axes), with the same length rules as <see cref="Compute"/>.
    /// </summary>
    public virtual void ComputeGradient(
        int input, ReadOnlySpan<double> g, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, Span<double> d)
    {
        var (sa, sb) = (Step(a), Step(b));
        for (var i = 0; i < d.Length; i++)
        {
            d[i] = input == 0 ? GradientLeft(g[i], a[i * sa], b[i * sb], y[i]) : GradientRight(g[i], a[i * sa], b[i * sb], y[i]);
        }
    }

    public virtual bool PassesGradientThrough(int input) => false;

    /// <summary><see cref="Compute"/> as a lane formula with the same bits, for fused loops; null for an op with none.</summary>
    public virtual Expression? FusedCompute(VectorLanes lanes, Expression a, Expression b) => null;

    /// <summary><see cref="ComputeGradient"/> as a lane formula with the same bits; null for an op with none.</summary>
    public virtual Expression? FusedGradient(VectorLanes lanes, int input, Expression g, Expression a, Expression b, Expression y) => null;

    /// <summary>How far to move in an operand per element: 0 for a repeated single value.</summary>
    protected static int Step(ReadOnlySpan<double> operand) => operand.Length == 1 ? 0 : 1;

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var shape = Shapes.Broadcast(inputs[0].Shape, inputs[1].Shape);
        var y = new double[Shapes.ElementCount(shape)];
        var (a, b) = Operands(inputs[0], inputs[1], shape);
        Compute(a, b, y);
        return new Tensor(shape, y);
    }

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var (a, b) = Operands(inputs[0], inputs[1], output.Shape);
        var full = new double[output.Length];
        ComputeGradient(input, gradient.Data, a, b, output.Data, full);
        return Broadcasting.SumTo(new Tensor(output.Shape, full), inputs[input].Shape);
    }

    /// <summary>Each operand as the span rules take it: as it is when it fills the output or is one value, else expanded.</summary>
    private static (double[] A, double[] B) Operands(Tensor a, Tensor b, int[] shape)
    {
        var count = Shapes.ElementCount(shape);
        return (Fit(a, shape, count), Fit(b, shape, count));

        static double[] Fit(Tensor operand, int[] shape, int count) =>
            operand.Length == count || operand.Length == 1 ? operand.Data : Broadcasting.Expand(operand, shape).Data;
    }
}
