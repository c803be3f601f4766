using System.Runtime.CompilerServices;

namespace GraphGrpc.Engine.Kernels;

/// <summary>
/// e^x over float64. x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite with ln2 in two parts; under FMA the
/// first step is exact), e^r = 1 + r + r²·Q(r) with Q a degree-9 Chebyshev fit (relative error 1.6e-17),
/// then 2^n. A vector with any lane beyond ±708 (or NaN) applies 2^n as two factors in every lane, so
/// that subnormal results and the overflow threshold round once; lanes with normal results get the
/// same bits on either path, since both scalings are exact for them.
/// Measured against <c>Math.Exp</c>: max error 1 ULP.
/// Special values as <c>Math.Exp</c>: NaN → NaN, -∞ → 0, +∞ → +∞, x > 709.782712893384 → +∞,
/// subnormal results below -708.4, and 0 below -745.1332.
/// </summary>
public static class ExpKernel
{
    /// <summary>e^x for each element of <paramref name="x"/>; in place allowed.</summary>
    public static void Exp(ReadOnlySpan<double> x, Span<double> destination)
        => UnaryKernel.Apply<Formula>(x, destination);

    /// <summary>e^x, with exactly the bits the span version gives.</summary>
    public static double Exp(double x) => UnaryKernel.ApplyOne<Formula>(x);

    // 1.5·2^52: adding it rounds to an integer and leaves that integer in the low mantissa bits.
    private const double Shifter = 6755399441055744.0;
    private const ulong ShifterBits = 0x4338000000000000;

    // Within ±708 every n is a normal exponent, so one scaling factor suffices.
    private const double OneFactorLimit = 708.0;

    /// <summary>e^x per lane; NaN lanes stay NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Vector<TSimd, TVector, TBits>(TVector x)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        if (!TSimd.AllLessOrEqual(TSimd.Abs(x), TSimd.Broadcast(OneFactorLimit)))
        {
            return Wide<TSimd, TVector, TBits>(x);
        }
        var p = Reduced<TSimd, TVector, TBits>(x, out var shifted);
        var scale = TSimd.ShiftLeft(TSimd.AddBits(TSimd.Bits(shifted), TSimd.BroadcastBits(unchecked(1023 - ShifterBits))), 52);
        return TSimd.Multiply(p, TSimd.FromBits(scale));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Wide<TSimd, TVector, TBits>(TVector x)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        // Past these bounds e^x is 0 or +∞ anyway; clamping keeps n inside the exponent arithmetic.
        var clamped = TSimd.Min(TSimd.Max(x, TSimd.Broadcast(-746.0)), TSimd.Broadcast(710.0));
        var p = Reduced<TSimd, TVector, TBits>(clamped, out var shifted);

        // n + 2046 is positive for every clamped x, and each half of it is a normal biased exponent.
        var biased = TSimd.AddBits(TSimd.Bits(shifted), TSimd.BroadcastBits(unchecked(2046 - ShifterBits)));
        var half = TSimd.ShiftRightLogical(biased, 1);
        var scale1 = TSimd.FromBits(TSimd.ShiftLeft(half, 52));
        var scale2 = TSimd.FromBits(TSimd.ShiftLeft(TSimd.SubtractBits(biased, half), 52));
        var y = TSimd.Multiply(TSimd.Multiply(p, scale1), scale2);
        return TSimd.Select(TSimd.Equal(x, x), y, x);
    }

    /// <summary>e^r for x = n·ln2 + r; <paramref name="shifted"/> carries n in its low bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Reduced<TSimd, TVector, TBits>(TVector x, out TVector shifted)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        shifted = TSimd.Fma(x, TSimd.Broadcast(1.4426950408889634), TSimd.Broadcast(Shifter));
        var n = TSimd.Subtract(shifted, TSimd.Broadcast(Shifter));
        var r = TSimd.Fma(n, TSimd.Broadcast(-0.6931471805599453), x);
        r = TSimd.Fma(n, TSimd.Broadcast(-2.3190468138462996e-17), r);

        var q = TSimd.Fma(TSimd.Broadcast(2.5100375929185925e-08), r, TSimd.Broadcast(2.762007600563138e-07));
        q = TSimd.Fma(q, r, TSimd.Broadcast(2.7557268480106926e-06));
        q = TSimd.Fma(q, r, TSimd.Broadcast(2.480152132210459e-05));
        q = TSimd.Fma(q, r, TSimd.Broadcast(0.00019841269863040675));
        q = TSimd.Fma(q, r, TSimd.Broadcast(0.001388888891719689));
        q = TSimd.Fma(q, r, TSimd.Broadcast(0.008333333333330065));
        q = TSimd.Fma(q, r, TSimd.Broadcast(0.041666666666624164));
        q = TSimd.Fma(q, r, TSimd.Broadcast(0.16666666666666669));
        q = TSimd.Fma(q, r, TSimd.Broadcast(0.5000000000000001));
        q = TSimd.Fma(q, r, TSimd.Broadcast(1.0));
        return TSimd.Fma(q, r, TSimd.Broadcast(1.0));
    }

    private readonly struct Formula : IUnaryKernel
    {
        public static TVector Vector<TSimd, TVector, TBits>(TVector x)
            where TSimd : ISimd<TVector, TBits>
            where TVector : struct
            where TBits : struct
            => ExpKernel.Vector<TSimd, TVector, TBits>(x);

        public static double Fallback(double x) => Math.Exp(x);
    }
}
