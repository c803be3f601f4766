using System.Linq.Expressions;
using System.Numerics.Tensors;
using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Kernels;

namespace GraphGrpc.Engine.Ops.Elementwise;

// The elementwise unary ops. Each states its function and its local gradient side by side;
// the comments give PyTorch's backward formula each one mirrors. Transcendental functions come
// from the project's vectorized kernels, whose span and single-value forms give the same bits.

public sealed class NegOp : UnaryOp
{
    public override string Name => "neg";
    public override CachedForBackward Cached => CachedForBackward.Nothing;
    protected override double Apply(double x) => -x;
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Negate(x, y);
    protected override double Gradient(double g, double x, double y) => -g;
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx) =>
        TensorPrimitives.Negate(g, dx);
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => Expression.Negate(x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Negate(g);
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Neg(g);
}

public sealed class ExpOp : UnaryOp
{
    public override string Name => "exp";
    public override CachedForBackward Cached => CachedForBackward.Output;
    protected override double Apply(double x) => ExpKernel.Exp(x);
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => ExpKernel.Exp(x, y);
    // grad * result
    protected override double Gradient(double g, double x, double y) => g * y;
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx) =>
        TensorPrimitives.Multiply(g, y, dx);
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => lanes.Exp(x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Multiply(g, y);
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Mul(g, y);
}

public sealed class LogOp : UnaryOp
{
    public override string Name => "log";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => LogKernel.Log(x);
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => LogKernel.Log(x, y);
    // grad / self
    protected override double Gradient(double g, double x, double y) => g / x;
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx) =>
        TensorPrimitives.Divide(g, x, dx);
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => lanes.Log(x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Divide(g, x);
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Div(g, x);
}

public sealed class SqrtOp : UnaryOp
{
    public override string Name => "sqrt";
    public override CachedForBackward Cached => CachedForBackward.Output;
    protected override double Apply(double x) => Math.Sqrt(x);
    // grad / (2 * result)
    protected override double Gradient(double g, double x, double y) => g / (2 * y);
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => lanes.Sqrt(x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Divide(g, Expression.Multiply(lanes.Constant(2), y));
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Div(g, e.Scale(y, 2)!);
}

public sealed class SquareOp : UnaryOp
{
    public override string Name => "square";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => x * x;
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Multiply(x, x, y);
    // square is pow(self, 2): grad * (2 * self)
    protected override double Gradient(double g, double x, double y) => g * (2 * x);
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx)
    {
        TensorPrimitives.Multiply(x, 2.0, dx);
        TensorPrimitives.Multiply(g, dx, dx);
    }
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => Expression.Multiply(x, x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Multiply(g, Expression.Multiply(x, lanes.Constant(2)));
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Mul(g, e.Scale(x, 2));
}

public sealed class AbsOp : UnaryOp
{
    public override string Name => "abs";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => Math.Abs(x);
    // grad * sgn(self), where sgn(0) = sgn(NaN) = 0
    protected override double Gradient(double g, double x, double y) => g * Sign(x);
    private static double Sign(double x) => (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0);
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Mul(g, e.Sign(x));
}

public sealed class SinOp : UnaryOp
{
    public override string Name => "sin";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => SinKernel.Sin(x);
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => SinKernel.Sin(x, y);
    // grad * cos(self)
    protected override double Gradient(double g, double x, double y) => g * CosKernel.Cos(x);
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx)
    {
        CosKernel.Cos(x, dx);
        TensorPrimitives.Multiply(g, dx, dx);
    }
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => lanes.Sin(x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Multiply(g, lanes.Cos(x));
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Mul(g, e.Cos(x));
}

public sealed class CosOp : UnaryOp
{
    public override string Name => "cos";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => CosKernel.Cos(x);
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => CosKernel.Cos(x, y);
    // grad * -sin(self)
    protected override double Gradient(double g, double x, double y) => g * -SinKernel.Sin(x);
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx)
    {
        SinKernel.Sin(x, dx);
        TensorPrimitives.Negate(dx, dx);
        TensorPrimitives.Multiply(g, dx, dx);
    }
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => lanes.Cos(x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Multiply(g, Expression.Negate(lanes.Sin(x)));
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Mul(g, e.Neg(e.Sin(x)));
}

public sealed class TanhOp : UnaryOp
{
    public override string Name => "tanh";
    public override CachedForBackward Cached => CachedForBackward.Output;
    protected override double Apply(double x) => TanhKernel.Tanh(x);
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => TanhKernel.Tanh(x, y);
    // grad * (1 - result * result)
    protected override double Gradient(double g, double x, double y) => g * (1 - y * y);
    // The same three operations in the same order, each over the whole span.
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx)
    {
        TensorPrimitives.Multiply(y, y, dx);
        TensorPrimitives.Subtract(1.0, dx, dx);
        TensorPrimitives.Multiply(g, dx, dx);
    }
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => lanes.Tanh(x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Multiply(g, Expression.Subtract(lanes.Constant(1), Expression.Multiply(y, y)));
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Mul(g, e.Sub(e.Constant(1, []), e.Mul(y, y)));
}

public sealed class SigmoidOp : UnaryOp
{
    public override string Name => "sigmoid";
    public override CachedForBackward Cached => CachedForBackward.Output;
    // The kernel is 1 / (1 + e^-x), computed so that it stays within 2 ULP for very negative x.
    protected override double Apply(double x) => SigmoidKernel.Sigmoid(x);
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => SigmoidKernel.Sigmoid(x, y);
    // grad * (1 - result) * result
    protected override double Gradient(double g, double x, double y) => g * (1 - y) * y;
    // The same three operations in the same order, each over the whole span.
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx)
    {
        TensorPrimitives.Subtract(1.0, y, dx);
        TensorPrimitives.Multiply(g, dx, dx);
        TensorPrimitives.Multiply(dx, y, dx);
    }
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => lanes.Sigmoid(x);
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) =>
        Expression.Multiply(Expression.Multiply(g, Expression.Subtract(lanes.Constant(1), y)), y);
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Mul(e.Mul(g, e.Sub(e.Constant(1, []), y)), y);
}

public sealed class ReluOp : UnaryOp
{
    public override string Name => "relu";
    public override CachedForBackward Cached => CachedForBackward.Output;
    // NaN stays NaN, as in PyTorch.
    protected override double Apply(double x) => x > 0 || double.IsNaN(x) ? x : 0;
    // threshold_backward(grad, result, 0): the gradient passes where the output is positive
    protected override double Gradient(double g, double x, double y) => y > 0 ? g : 0;
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        e.Mul(g, e.Sign(y));
}

public sealed class SignOp : UnaryOp
{
    public override string Name => "sign";
    public override CachedForBackward Cached => CachedForBackward.Nothing;
    // sgn(0) = sgn(NaN) = 0, as abs's gradient takes it.
    protected override double Apply(double x) => (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0);
    // A step function: zero almost everywhere.
    protected override double Gradient(double g, double x, double y) => 0;
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        null;
}

public sealed class IdentityOp : UnaryOp
{
    public override string Name => "identity";
    public override CachedForBackward Cached => CachedForBackward.Nothing;
    protected override double Apply(double x) => x;
    public override void Compute(ReadOnlySpan<double> x, Span<double> y) => x.CopyTo(y);
    protected override double Gradient(double g, double x, double y) => g;
    public override void ComputeGradient(ReadOnlySpan<double> g, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dx) => g.CopyTo(dx);
    public override Expression FusedCompute(VectorLanes lanes, Expression x) => x;
    public override Expression FusedGradient(VectorLanes lanes, Expression g, Expression x, Expression y) => g;
    protected override SymbolicTensor? SymbolicGradient(GraphEmitter e, SymbolicTensor g, SymbolicTensor x, SymbolicTensor y) =>
        g;
}
