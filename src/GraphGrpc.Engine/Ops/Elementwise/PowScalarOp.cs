namespace GraphGrpc.Engine.Ops.Elementwise;

/// <summary>x raised to a constant exponent, an attribute of the node.</summary>
public sealed class PowScalarOp(double exponent) : UnaryOp
{
    public double Exponent { get; } = exponent;

    public override string Name => "pow";

    public override CachedForBackward Cached => CachedForBackward.Inputs;

    protected override double Apply(double x) => Power(x, Exponent);

    // pow_backward: zero for exponent 0, else grad * (exponent * self.pow(exponent - 1))
    protected override double Gradient(double g, double x, double y) =>
        Exponent == 0 ? 0 : g * (Exponent * Power(x, Exponent - 1));

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
