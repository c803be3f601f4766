using System.Linq.Expressions;
using System.Numerics.Tensors;
using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Kernels;

namespace GraphGrpc.Engine.Ops.Elementwise;

/// <summary>x raised to a constant exponent, an attribute of the node.</summary>
public sealed class PowScalarOp(double exponent) : UnaryOp
{
    public double Exponent { get; } = exponent;

    public override string Name => "pow";

    public override CachedForBackward Cached => CachedForBackward.Inputs;

    protected override double Apply(double x) => Power(x, Exponent);

    // Squaring is the common case (seed 002's x²): whole-span products give the same bits as x * x.
    public override void Compute(ReadOnlySpan<double> x, Span<double> y)
    {
        if (Exponent == 2)
        {
            TensorPrimitives.Multiply(x, x, y);
        }
        else
        {
            base.Compute(x, y);
        }
    }

    // pow_backward: zero for exponent 0, else grad * (exponent * self.pow(exponent - 1))
    protected override double Gradient(double g, double x, double y) =>
        Exponent == 0 ? 0 : g * (Exponent * Power(x, Exponent - 1));

    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        Exponent == 0 ? null : e.Mul(g, e.Scale(e.Pow(x, Exponent - 1), Exponent));

    // For exponent 2 that is g * (2 * x), two whole-span products.
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx)
    {
        if (Exponent == 2)
        {
            TensorPrimitives.Multiply(x, 2.0, dx);
            TensorPrimitives.Multiply(g, dx, dx);
        }
        else
        {
            base.ComputeGradient(g, x, y, dx);
        }
    }

    // Only the square has span rules of whole-vector operations to mirror.
    public override Expression? FusedCompute(VectorLanes lanes, Expression x) => Exponent == 2 ? Expression.Multiply(x, x) : null;

    public override Expression? FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Exponent == 2 ? Expression.Multiply(g, Expression.Multiply(x, lanes.Constant(2))) : null;

    /// <summary>
    /// x^e with the exact shortcuts PyTorch takes for common exponents (x*x for 2, sqrt for 0.5, ...),
    /// so that results agree with it bit for bit.
    /// </summary>
    public static double Power(double x, double e) => e switch
    {
        0 => 1,
        1 => x,
        2 => x * x,
        3 => x * x * x,
        0.5 => Math.Sqrt(x),
        -0.5 => 1 / Math.Sqrt(x),
        -1 => 1 / x,
        -2 => 1 / (x * x),
        _ => Math.Pow(x, e),
    };
}
