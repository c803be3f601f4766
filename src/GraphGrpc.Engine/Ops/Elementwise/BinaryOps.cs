using System.Linq.Expressions;
using System.Numerics.Tensors;
using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Kernels;

namespace GraphGrpc.Engine.Ops.Elementwise;

// The elementwise binary ops. Each states its function and both local gradients side by side;
// the comments give PyTorch's backward formula each one mirrors.

public sealed class AddOp : BinaryOp
{
    public override string Name => "add";
    public override CachedForBackward Cached => CachedForBackward.Nothing;
    protected override double Apply(double a, double b) => a + b;
    public override void Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => VectorArithmetic.Add(a, b, y);
    protected override double GradientLeft(double g, double a, double b, double y) => g;
    protected override double GradientRight(double g, double a, double b, double y) => g;
    public override bool PassesGradientThrough(int input) => true;
    public override Expression FusedCompute(VectorLanes lanes, Expression a, Expression b) => Expression.Add(a, b);
    public override Expression FusedGradient(VectorLanes lanes, int input, Expression g, Expression a, Expression b, Expression y) => g;

    public override void ComputeGradient(
        int input, ReadOnlySpan<double> g, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, Span<double> d) =>
        g.CopyTo(d);
    protected override SymbolicTensor? SymbolicShare(GraphEmitter e, int input, SymbolicTensor g, SymbolicTensor a, SymbolicTensor b, SymbolicTensor y) =>
        g;
}

public sealed class SubOp : BinaryOp
{
    public override string Name => "sub";
    public override CachedForBackward Cached => CachedForBackward.Nothing;
    protected override double Apply(double a, double b) => a - b;
    public override void Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => VectorArithmetic.Subtract(a, b, y);
    protected override double GradientLeft(double g, double a, double b, double y) => g;
    protected override double GradientRight(double g, double a, double b, double y) => -g;
    public override bool PassesGradientThrough(int input) => input == 0;
    public override Expression FusedCompute(VectorLanes lanes, Expression a, Expression b) => Expression.Subtract(a, b);
    public override Expression FusedGradient(VectorLanes lanes, int input, Expression g, Expression a, Expression b, Expression y) =>
        input == 0 ? g : Expression.Negate(g);

    public override void ComputeGradient(
        int input, ReadOnlySpan<double> g, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, Span<double> d)
    {
        if (input == 0)
        {
            g.CopyTo(d);
        }
        else
        {
            TensorPrimitives.Negate(g, d);
        }
    }
    protected override SymbolicTensor? SymbolicShare(GraphEmitter e, int input, SymbolicTensor g, SymbolicTensor a, SymbolicTensor b, SymbolicTensor y) =>
        input == 0 ? g : e.Neg(g);
}

public sealed class MulOp : BinaryOp
{
    public override string Name => "mul";
    protected override double Apply(double a, double b) => a * b;
    public override void Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => VectorArithmetic.Multiply(a, b, y);

    public override void ComputeGradient(
        int input, ReadOnlySpan<double> g, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, Span<double> d) =>
        VectorArithmetic.Multiply(g, input == 0 ? b : a, d);

    protected override double GradientLeft(double g, double a, double b, double y) => g * b;
    protected override double GradientRight(double g, double a, double b, double y) => g * a;
    public override Expression FusedCompute(VectorLanes lanes, Expression a, Expression b) => Expression.Multiply(a, b);
    public override Expression FusedGradient(VectorLanes lanes, int input, Expression g, Expression a, Expression b, Expression y) =>
        Expression.Multiply(g, input == 0 ? b : a);
    protected override SymbolicTensor? SymbolicShare(GraphEmitter e, int input, SymbolicTensor g, SymbolicTensor a, SymbolicTensor b, SymbolicTensor y) =>
        e.Mul(g, input == 0 ? b : a);
}

public sealed class DivOp : BinaryOp
{
    public override string Name => "div";
    protected override double Apply(double a, double b) => a / b;
    public override void Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => VectorArithmetic.Divide(a, b, y);
    // grad / other
    protected override double GradientLeft(double g, double a, double b, double y) => g / b;
    // -grad * ((self / other) / other)
    protected override double GradientRight(double g, double a, double b, double y) => -g * (a / b / b);
    public override Expression FusedCompute(VectorLanes lanes, Expression a, Expression b) => Expression.Divide(a, b);
    public override Expression FusedGradient(VectorLanes lanes, int input, Expression g, Expression a, Expression b, Expression y) =>
        input == 0 ? Expression.Divide(g, b) : Expression.Multiply(Expression.Negate(g), Expression.Divide(Expression.Divide(a, b), b));
    protected override SymbolicTensor? SymbolicShare(GraphEmitter e, int input, SymbolicTensor g, SymbolicTensor a, SymbolicTensor b, SymbolicTensor y) =>
        input == 0 ? e.Div(g, b) : e.Mul(e.Neg(g), e.Div(e.Div(a, b), b));
}

public sealed class PowOp : BinaryOp
{
    public override string Name => "pow";
    public override CachedForBackward Cached => CachedForBackward.Inputs | CachedForBackward.Output;
    protected override double Apply(double a, double b) => Math.Pow(a, b);
    // where(exponent == 0, 0, grad * (exponent * self.pow(exponent - 1)))
    protected override double GradientLeft(double g, double a, double b, double y) =>
        b == 0 ? 0 : g * (b * Math.Pow(a, b - 1));
    // grad * where(self == 0 & exponent >= 0, 0, result * log(self))
    protected override double GradientRight(double g, double a, double b, double y) =>
        g * (a == 0 && b >= 0 ? 0 : y * Math.Log(a));
    protected override SymbolicTensor? SymbolicShare(GraphEmitter e, int input, SymbolicTensor g, SymbolicTensor a, SymbolicTensor b, SymbolicTensor y) =>
        input == 0 ? e.Mul(g, e.Mul(b, e.Pow(a, e.Sub(b, e.Constant(1, []))!))) : e.Mul(g, e.Mul(y, e.Log(a)));
}

public sealed class MaximumOp : BinaryOp
{
    public override string Name => "maximum";
    // Math.Max propagates NaN, as torch.maximum does.
    protected override double Apply(double a, double b) => Math.Max(a, b);
    // where(self == other, grad / 2, grad).masked_fill_(self < other, 0)
    protected override double GradientLeft(double g, double a, double b, double y) => a == b ? g / 2 : a < b ? 0 : g;
    protected override double GradientRight(double g, double a, double b, double y) => a == b ? g / 2 : a > b ? 0 : g;
    // (1 + sign(a - b)) / 2 for a, (1 - sign(a - b)) / 2 for b: 1, 0 or a tie's 1/2, as the numeric rule gives.
    protected override SymbolicTensor? SymbolicShare(GraphEmitter e, int input, SymbolicTensor g, SymbolicTensor a, SymbolicTensor b, SymbolicTensor y) =>
        e.Mul(g, e.Scale(input == 0 ? e.Add(e.Constant(1, []), e.Sign(e.Sub(a, b)!)) : e.Sub(e.Constant(1, []), e.Sign(e.Sub(a, b)!)), 0.5));
}

public sealed class MinimumOp : BinaryOp
{
    public override string Name => "minimum";
    protected override double Apply(double a, double b) => Math.Min(a, b);
    // where(self == other, grad / 2, grad).masked_fill_(self > other, 0)
    protected override double GradientLeft(double g, double a, double b, double y) => a == b ? g / 2 : a > b ? 0 : g;
    protected override double GradientRight(double g, double a, double b, double y) => a == b ? g / 2 : a < b ? 0 : g;
    protected override SymbolicTensor? SymbolicShare(GraphEmitter e, int input, SymbolicTensor g, SymbolicTensor a, SymbolicTensor b, SymbolicTensor y) =>
        e.Mul(g, e.Scale(input == 0 ? e.Sub(e.Constant(1, []), e.Sign(e.Sub(a, b)!)) : e.Add(e.Constant(1, []), e.Sign(e.Sub(a, b)!)), 0.5));
}
