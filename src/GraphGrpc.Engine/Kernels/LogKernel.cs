using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GraphGrpc.Engine.Kernels;

/// <summary>
/// Natural log over float64. x = 2^k·m with m in [√½, √2); with f = m − 1 and s = f/(2 + f),
/// log m = f − f²/2 + s·(f²/2 + R) where R = 2·atanh(s)/s − 2 = z·P(z), z = s² ≤ 0.0295, and P is a
/// degree-6 Chebyshev fit (error below 5e-18 relative to the leading term). k·ln2 is added with FMA,
/// smallest terms first. Subnormal inputs are scaled by 2^54 first.
/// Measured against <c>Math.Log</c>: max error 1 ULP.
/// Special values as <c>Math.Log</c>: NaN → NaN, ±0 → -∞, x &lt; 0 → NaN, +∞ → +∞, log 1 = +0.
/// </summary>
public static class LogKernel
{
    /// <summary>The natural log of each element of <paramref name="x"/>; in place allowed.</summary>
    public static void Log(ReadOnlySpan<double> x, Span<double> destination)
        => UnaryKernel.Apply<Formula>(x, destination);

    /// <summary>The natural log of <paramref name="x"/>, with exactly the bits the span version gives.</summary>
    public static double Log(double x) => UnaryKernel.ApplyOne<Formula>(x);

    /// <summary>The natural log of each lane, with the bits the span version gives each, for callers fusing loops of their own.</summary>
    public static Vector512<double> Log(Vector512<double> x)
    {
        if (UnaryKernel.IsVectorized)
        {
            return Vector<Simd512, Vector512<double>, Vector512<ulong>>(x);
        }
        Span<double> lanes = stackalloc double[Vector512<double>.Count];
        x.CopyTo(lanes);
        Log(lanes, lanes);
        return Vector512.Create<double>(lanes);
    }

    // Adding 1.0's bits minus √½'s bits carries into the exponent exactly when the mantissa reaches √½.
    private const ulong BinadeOffset = 0x3FF0000000000000 - 0x3FE6A09E667F3BCD;
    private const ulong TwoPow52Bits = 0x4330000000000000;
    private const double TwoPow52 = 4503599627370496.0;
    private const double MinNormal = 2.2250738585072014E-308;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Vector<TSimd, TVector, TBits>(TVector x)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        if (TSimd.AllLessOrEqual(TSimd.Broadcast(MinNormal), x) && TSimd.AllLessOrEqual(x, TSimd.Broadcast(double.MaxValue)))
        {
            return Positive<TSimd, TVector, TBits>(x, TSimd.Broadcast(0));
        }
        return Special<TSimd, TVector, TBits>(x);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TVector Special<TSimd, TVector, TBits>(TVector x)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        var subnormal = TSimd.LessThan(x, TSimd.Broadcast(MinNormal));
        var scaled = TSimd.Select(subnormal, TSimd.Multiply(x, TSimd.Broadcast(18014398509481984.0)), x);
        var y = Positive<TSimd, TVector, TBits>(scaled, TSimd.Select(subnormal, TSimd.Broadcast(54), TSimd.Broadcast(0)));
        y = TSimd.Select(TSimd.Equal(x, TSimd.Broadcast(double.PositiveInfinity)), x, y);
        y = TSimd.Select(TSimd.Equal(x, TSimd.Broadcast(0)), TSimd.Broadcast(double.NegativeInfinity), y);
        y = TSimd.Select(TSimd.LessThan(x, TSimd.Broadcast(0)), TSimd.Broadcast(double.NaN), y);
        return TSimd.Select(TSimd.Equal(x, x), y, x);
    }

    /// <summary>log x − <paramref name="exponentAdjust"/>·ln2 for positive normal finite lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Positive<TSimd, TVector, TBits>(TVector x, TVector exponentAdjust)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        var bits = TSimd.Bits(x);
        var biasedK = TSimd.ShiftRightLogical(TSimd.AddBits(bits, TSimd.BroadcastBits(BinadeOffset)), 52);
        var m = TSimd.FromBits(TSimd.SubtractBits(bits, TSimd.ShiftLeft(TSimd.SubtractBits(biasedK, TSimd.BroadcastBits(1023)), 52)));
        var k = TSimd.Subtract(
            TSimd.Subtract(TSimd.FromBits(TSimd.OrBits(biasedK, TSimd.BroadcastBits(TwoPow52Bits))), TSimd.Broadcast(TwoPow52 + 1023)),
            exponentAdjust);

        var f = TSimd.Subtract(m, TSimd.Broadcast(1.0));
        var s = TSimd.Divide(f, TSimd.Add(f, TSimd.Broadcast(2.0)));
        var z = TSimd.Multiply(s, s);
        var p = TSimd.Fma(TSimd.Broadcast(0.14616451042434167), z, TSimd.Broadcast(0.15331721490738642));
        p = TSimd.Fma(p, z, TSimd.Broadcast(0.18182889128565508));
        p = TSimd.Fma(p, z, TSimd.Broadcast(0.22222211134749734));
        p = TSimd.Fma(p, z, TSimd.Broadcast(0.28571428625975764));
        p = TSimd.Fma(p, z, TSimd.Broadcast(0.39999999999899505));
        p = TSimd.Fma(p, z, TSimd.Broadcast(0.666666666666667));
        var r = TSimd.Multiply(p, z);

        var halfSquare = TSimd.Multiply(TSimd.Multiply(TSimd.Broadcast(0.5), f), f);
        var small = TSimd.Fma(s, TSimd.Add(halfSquare, r), TSimd.Multiply(k, TSimd.Broadcast(2.3190468138462996e-17)));
        var rest = TSimd.Subtract(TSimd.Subtract(halfSquare, small), f);
        return TSimd.Fma(k, TSimd.Broadcast(0.6931471805599453), TSimd.Subtract(TSimd.Broadcast(0), rest));
    }

    private readonly struct Formula : IUnaryKernel
    {
        public static TVector Vector<TSimd, TVector, TBits>(TVector x)
            where TSimd : ISimd<TVector, TBits>
            where TVector : struct
            where TBits : struct
            => LogKernel.Vector<TSimd, TVector, TBits>(x);

        public static double Fallback(double x) => Math.Log(x);
    }
}
