namespace GraphGrpc.Engine.Ops.Elementwise;

// The elementwise unary ops. Each states its function and its local gradient side by side;
// the comments give PyTorch's backward formula each one mirrors.

public sealed class NegOp : UnaryOp
{
    public override string Name => "neg";
    public override CachedForBackward Cached => CachedForBackward.Nothing;
    protected override double Apply(double x) => -x;
    protected override double Gradient(double g, double x, double y) => -g;
}

public sealed class ExpOp : UnaryOp
{
    public override string Name => "exp";
    public override CachedForBackward Cached => CachedForBackward.Output;
    protected override double Apply(double x) => Math.Exp(x);
    // grad * result
    protected override double Gradient(double g, double x, double y) => g * y;
}

public sealed class LogOp : UnaryOp
{
    public override string Name => "log";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => Math.Log(x);
    // grad / self
    protected override double Gradient(double g, double x, double y) => g / x;
}

public sealed class SqrtOp : UnaryOp
{
    public override string Name => "sqrt";
    public override CachedForBackward Cached => CachedForBackward.Output;
    protected override double Apply(double x) => Math.Sqrt(x);
    // grad / (2 * result)
    protected override double Gradient(double g, double x, double y) => g / (2 * y);
}

public sealed class SquareOp : UnaryOp
{
    public override string Name => "square";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => x * x;
    // square is pow(self, 2): grad * (2 * self)
    protected override double Gradient(double g, double x, double y) => g * (2 * x);
}

public sealed class AbsOp : UnaryOp
{
    public override string Name => "abs";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => Math.Abs(x);
    // grad * sgn(self), where sgn(0) = sgn(NaN) = 0
    protected override double Gradient(double g, double x, double y) => g * Sign(x);
    private static double Sign(double x) => (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0);
}

public sealed class SinOp : UnaryOp
{
    public override string Name => "sin";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => Math.Sin(x);
    // grad * cos(self)
    protected override double Gradient(double g, double x, double y) => g * Math.Cos(x);
}

public sealed class CosOp : UnaryOp
{
    public override string Name => "cos";
    public override CachedForBackward Cached => CachedForBackward.Inputs;
    protected override double Apply(double x) => Math.Cos(x);
    // grad * -sin(self)
    protected override double Gradient(double g, double x, double y) => g * -Math.Sin(x);
}

public sealed class TanhOp : UnaryOp
{
    public override string Name => "tanh";
    public override CachedForBackward Cached => CachedForBackward.Output;
    protected override double Apply(double x) => Math.Tanh(x);
    // grad * (1 - result * result)
    protected override double Gradient(double g, double x, double y) => g * (1 - y * y);
}

public sealed class SigmoidOp : UnaryOp
{
    public override string Name => "sigmoid";
    public override CachedForBackward Cached => CachedForBackward.Output;
    protected override double Apply(double x) => 1 / (1 + Math.Exp(-x));
    // grad * (1 - result) * result
    protected override double Gradient(double g, double x, double y) => g * (1 - y) * y;
}

public sealed class ReluOp : UnaryOp
{
    public override string Name => "relu";
    public override CachedForBackward Cached => CachedForBackward.Output;
    // NaN stays NaN, as in PyTorch.
    protected override double Apply(double x) => x > 0 || double.IsNaN(x) ? x : 0;
    // threshold_backward(grad, result, 0): the gradient passes where the output is positive
    protected override double Gradient(double g, double x, double y) => y > 0 ? g : 0;
}
