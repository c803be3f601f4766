using GraphGrpc.Engine.Kernels;

namespace GraphGrpc.Engine.Tests.Kernels;

/// <summary>
/// Every kernel against its scalar reference: each length 0..257, wide random ranges, special values,
/// lane independence (a value's bits never depend on where it sits or how long the span is), and the
/// overlap rule (in place allowed, any other overlap rejected). On AVX-512 hardware the spans run
/// 512-bit lanes and the single-value entry points 256-bit lanes, so the bit-identity tests compare
/// the two. DOTNET_EnableAVX512F=0 runs the suite on the 256-bit path alone, and DOTNET_EnableFMA=0
/// on the Math fallback.
/// </summary>
public class KernelTests
{
    private const int MaxUlp = 2;

    private sealed record Kernel(
        string Name,
        SpanFunction Span,
        Func<double, double> Scalar,
        Func<double, double> Reference,
        Func<Random, double> Typical,
        Func<Random, double> Wide);

    private delegate void SpanFunction(ReadOnlySpan<double> x, Span<double> destination);

    // A magnitude spread evenly over decades, with either sign.
    private static double LogUniform(Random random, double minDecade, double maxDecade, bool signed) =>
        (signed && random.Next(2) == 0 ? -1 : 1) * Math.Pow(10, minDecade + (maxDecade - minDecade) * random.NextDouble());

    private static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();

    private static readonly Dictionary<string, Kernel> Kernels = new Kernel[]
    {
        new("exp", ExpKernel.Exp, ExpKernel.Exp, Math.Exp, r => Uniform(r, -20, 20), r => LogUniform(r, -20, Math.Log10(750), signed: true)),
        new("log", LogKernel.Log, LogKernel.Log, Math.Log, r => Uniform(r, 1e-3, 100), r => LogUniform(r, -323, 308, signed: false)),
        new("sin", SinKernel.Sin, SinKernel.Sin, Math.Sin, r => Uniform(r, -10, 10), r => LogUniform(r, -300, 12, signed: true)),
        new("cos", CosKernel.Cos, CosKernel.Cos, Math.Cos, r => Uniform(r, -10, 10), r => LogUniform(r, -300, 12, signed: true)),
        new("tanh", TanhKernel.Tanh, TanhKernel.Tanh, Math.Tanh, r => Uniform(r, -5, 5), r => LogUniform(r, -300, 3, signed: true)),
        new("sigmoid", SigmoidKernel.Sigmoid, SigmoidKernel.Sigmoid, SigmoidReference, r => Uniform(r, -20, 20), r => LogUniform(r, -300, Math.Log10(800), signed: true)),
    }.ToDictionary(k => k.Name);

    // 1/(1 + e^−x) in the form that never rounds 1 + a huge e^−x, and 0 where e^−x overflows.
    private static double SigmoidReference(double x)
    {
        var e = Math.Exp(-Math.Abs(x));
        return x < -709.782712893384 ? 0 : (x < 0 ? e : 1) / (1 + e);
    }

    public static TheoryData<string> Names => new(Kernels.Keys);

    private static readonly double[] SpecialInputs =
    [
        double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0,
        double.Epsilon, -double.Epsilon, 1e-310, -1e-310, 2.2250738585072014E-308, -2.2250738585072014E-308,
        double.MaxValue, double.MinValue, 1.0, -1.0, 0.5, -0.5, 0.625, -0.625, 1e-8, -1e-8,
        709.782712893384, 709.7827128933841, 710, -708.3964185322641, -708.4, -709.782712893384, -709.7827128933841,
        -740, -745.1332191019411, -745.1332191019412, -746, 746, 800, -800,
        Math.PI, -Math.PI, Math.PI / 2, Math.PI / 4, 3 * Math.PI / 4, 1e5, 134217728.0, -134217728.0,
        134217728.00000003, 1e9, 1e22, -1e22, 1e300, 18.5, 19.1, 20, 22, -22, 36.8, -36.8, 37, -37,
        1.0000000000000002, 0.9999999999999999, 1.0000000001, 0.9999999999, 0.7071067811865476, 0.7071067811865475,
        1.4142135623730951, 0.6931471805599453, -0.6931471805599453, 1e-300, -1e-300, 1e-17, -1e-17,
    ];

    [Theory]
    [MemberData(nameof(Names))]
    public void Span_EveryLengthUpTo257_WithinTwoUlpOfReference(string name)
    {
        var kernel = Kernels[name];
        var random = new Random(257);
        for (var length = 0; length <= 257; length++)
        {
            var x = new double[length];
            for (var i = 0; i < length; i++)
            {
                x[i] = kernel.Typical(random);
            }
            var y = new double[length];
            kernel.Span(x, y);
            for (var i = 0; i < length; i++)
            {
                AssertClose(kernel, x[i], y[i], $"length {length}, index {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Span_WideRandomMagnitudes_WithinTwoUlpOfReference(string name)
    {
        var kernel = Kernels[name];
        var random = new Random(20261121);
        var x = new double[200_000];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = i % 2 == 0 ? kernel.Wide(random) : kernel.Typical(random);
        }
        var y = new double[x.Length];
        kernel.Span(x, y);
        for (var i = 0; i < x.Length; i++)
        {
            AssertClose(kernel, x[i], y[i], $"index {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Span_SpecialValues_MatchReference(string name)
    {
        var kernel = Kernels[name];
        var y = new double[SpecialInputs.Length];
        kernel.Span(SpecialInputs, y);
        for (var i = 0; i < SpecialInputs.Length; i++)
        {
            var expected = kernel.Reference(SpecialInputs[i]);
            if (double.IsNaN(expected) || double.IsInfinity(expected) || expected == 0 || Math.Abs(expected) == 1)
            {
                // NaN, infinities, signed zeros and saturated ±1 must match exactly, sign included.
                Assert.True(
                    double.IsNaN(expected) ? double.IsNaN(y[i]) : BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(y[i]),
                    $"{name}({SpecialInputs[i]:R}) = {y[i]:R}, expected {expected:R}");
            }
            else
            {
                AssertClose(kernel, SpecialInputs[i], y[i], "special value");
            }
        }
    }

    [Theory]
    [InlineData("sin")]
    [InlineData("cos")]
    public void Span_NearMultiplesOfHalfPi_WithinTwoUlpOfReference(string name)
    {
        // The doubles nearest k·π/2 leave a reduced argument far smaller than its parts, where the
        // reduction cancels most; k runs up to the reduction limit's 2^27·(2/π).
        var kernel = Kernels[name];
        var random = new Random(2);
        var x = new List<double>();
        for (var k = 1; k <= 2000; k++)
        {
            x.Add(k * (Math.PI / 2));
        }
        for (var i = 0; i < 20_000; i++)
        {
            var k = random.NextInt64(1, 85_000_000);
            x.Add(k * (Math.PI / 2));
            x.Add(Math.BitIncrement(x[^1]));
            x.Add(-Math.BitDecrement(x[^2]));
        }
        var y = new double[x.Count];
        kernel.Span(x.ToArray(), y);
        for (var i = 0; i < x.Count; i++)
        {
            AssertClose(kernel, x[i], y[i], $"index {i}");
        }
    }

    [Fact]
    public void Special_DocumentedEdges_ExactValues()
    {
        Assert.Equal(0.0, ExpKernel.Exp(double.NegativeInfinity));
        Assert.Equal(double.PositiveInfinity, ExpKernel.Exp(double.PositiveInfinity));
        Assert.True(double.IsFinite(ExpKernel.Exp(709.782712893384)));
        Assert.Equal(double.PositiveInfinity, ExpKernel.Exp(709.7827128933841));
        Assert.True(double.IsSubnormal(ExpKernel.Exp(-740)));
        Assert.Equal(0.0, ExpKernel.Exp(-746));
        Assert.Equal(double.NegativeInfinity, LogKernel.Log(0.0));
        Assert.Equal(double.NegativeInfinity, LogKernel.Log(-0.0));
        Assert.True(double.IsNaN(LogKernel.Log(-1)));
        Assert.Equal(double.PositiveInfinity, LogKernel.Log(double.PositiveInfinity));
        Assert.Equal(Math.Log(double.Epsilon), LogKernel.Log(double.Epsilon));
        Assert.True(double.IsNaN(SinKernel.Sin(double.PositiveInfinity)));
        Assert.True(double.IsNaN(CosKernel.Cos(double.NegativeInfinity)));
        Assert.True(double.IsNegative(SinKernel.Sin(-0.0)) && SinKernel.Sin(-0.0) == 0);
        Assert.True(double.IsNegative(TanhKernel.Tanh(-0.0)) && TanhKernel.Tanh(-0.0) == 0);
        Assert.Equal(-1.0, TanhKernel.Tanh(double.NegativeInfinity));
        Assert.Equal(1.0, TanhKernel.Tanh(double.PositiveInfinity));
        Assert.Equal(0.0, SigmoidKernel.Sigmoid(double.NegativeInfinity));
        Assert.Equal(1.0, SigmoidKernel.Sigmoid(double.PositiveInfinity));
        Assert.Equal(0.0, SigmoidKernel.Sigmoid(-710));
        Assert.True(double.IsSubnormal(SigmoidKernel.Sigmoid(-709)));
        Assert.Equal(0.5, SigmoidKernel.Sigmoid(0));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Span_SameValueAtAnyPositionOrLength_IdenticalBits(string name)
    {
        var kernel = Kernels[name];
        var random = new Random(7);
        var values = SpecialInputs.Concat(Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? kernel.Typical(random) : kernel.Wide(random))).ToArray();
        var long_ = new double[1031];
        var longResult = new double[long_.Length];
        foreach (var value in values)
        {
            var single = BitConverter.DoubleToInt64Bits(kernel.Scalar(value));
            for (var length = 1; length <= 19; length++)
            {
                for (var position = 0; position < length; position++)
                {
                    var x = new double[length];
                    for (var i = 0; i < length; i++)
                    {
                        x[i] = i == position ? value : kernel.Wide(random);
                    }
                    var y = new double[length];
                    kernel.Span(x, y);
                    Assert.True(single == BitConverter.DoubleToInt64Bits(y[position]), $"{name}({value:R}) at {position} of {length}");
                }
            }
            for (var i = 0; i < long_.Length; i++)
            {
                long_[i] = kernel.Wide(random);
            }
            foreach (var position in new[] { 0, 1, 7, 8, 511, 1024, 1027, 1030 })
            {
                long_[position] = value;
            }
            kernel.Span(long_, longResult);
            foreach (var position in new[] { 0, 1, 7, 8, 511, 1024, 1027, 1030 })
            {
                Assert.True(single == BitConverter.DoubleToInt64Bits(longResult[position]), $"{name}({value:R}) at {position} of {long_.Length}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Span_InPlace_SameBitsAsSeparateDestination(string name)
    {
        var kernel = Kernels[name];
        var random = new Random(11);
        var x = Enumerable.Range(0, 1003).Select(_ => kernel.Typical(random)).ToArray();
        var separate = new double[x.Length];
        kernel.Span(x, separate);
        kernel.Span(x, x);
        Assert.Equal(separate.Select(BitConverter.DoubleToInt64Bits), x.Select(BitConverter.DoubleToInt64Bits));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Span_ShiftedOverlap_Throws(string name)
    {
        var kernel = Kernels[name];
        var buffer = new double[100];
        Assert.Throws<ArgumentException>(() => kernel.Span(buffer.AsSpan(0, 50), buffer.AsSpan(1, 50)));
        Assert.Throws<ArgumentException>(() => kernel.Span(buffer.AsSpan(1, 50), buffer.AsSpan(0, 50)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Span_DestinationTooShort_Throws(string name)
    {
        var kernel = Kernels[name];
        Assert.Throws<ArgumentException>(() => kernel.Span(new double[10], new double[9]));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Span_LongerDestination_LeavesRestUntouched(string name)
    {
        var kernel = Kernels[name];
        var destination = Enumerable.Repeat(42.0, 13).ToArray();
        kernel.Span(new double[10], destination);
        Assert.Equal([42.0, 42.0, 42.0], destination[10..]);
        Assert.Equal(BitConverter.DoubleToInt64Bits(kernel.Scalar(0)), BitConverter.DoubleToInt64Bits(destination[9]));
    }

    private static void AssertClose(Kernel kernel, double x, double actual, string where)
    {
        var expected = kernel.Reference(x);
        var ulps = UlpDistance(expected, actual);
        Assert.True(ulps <= MaxUlp, $"{kernel.Name}({x:R}) = {actual:R}, reference {expected:R}: {ulps} ULP ({where})");
    }

    // Distance in representable doubles; NaN matches only NaN, and +0 and −0 are one apart.
    private static ulong UlpDistance(double a, double b)
    {
        if (double.IsNaN(a) || double.IsNaN(b))
        {
            return double.IsNaN(a) && double.IsNaN(b) ? 0 : ulong.MaxValue;
        }
        static long Ordered(double d)
        {
            var bits = BitConverter.DoubleToInt64Bits(d);
            return bits < 0 ? long.MinValue - bits : bits;
        }
        var difference = (Int128)Ordered(a) - Ordered(b);
        return (ulong)Int128.Abs(difference);
    }
}
