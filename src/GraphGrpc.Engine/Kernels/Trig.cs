using System.Runtime.CompilerServices;

namespace GraphGrpc.Engine.Kernels;

/// <summary>
/// What sin and cos share: x = n·π/2 + r with |r| ≤ π/4 (Cody–Waite, π/2 in three parts; under FMA the
/// first step is exact, the second error-free, and r is carried with its low-order part), then both sin r = r + r·z·S(z) and cos r = 1 − z/2 + z²·C(z), z = r², and
/// the quadrant picks one and its sign. S (degree 6) and C (degree 5) are Chebyshev fits on
/// [0, (π/4)²] with relative errors 6e-18 and 1.3e-18; 1 − z/2 is summed with its rounding error
/// carried, so cos loses nothing to the cancellation.
/// </summary>
internal static class Trig
{
    /// <summary>
    /// Up to 2^27 the three parts of π/2 keep r accurate to the last bit and the rounded quotient keeps
    /// |r| within the fitted range; beyond it lanes go to <c>Math</c>.
    /// </summary>
    internal const double ReductionLimit = 134217728.0;

    // 1.5·2^52: adding it rounds to an integer and leaves that integer in the low mantissa bits.
    private const double Shifter = 6755399441055744.0;
    private const ulong TwoPow52Bits = 0x4330000000000000;
    private const double TwoPow52 = 4503599627370496.0;

    /// <summary>sin(x + <paramref name="quarterTurns"/>·π/2) for |x| ≤ <see cref="ReductionLimit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Sine<TSimd, TVector, TBits>(TVector x, ulong quarterTurns)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        var shifted = TSimd.Fma(x, TSimd.Broadcast(0.6366197723675814), TSimd.Broadcast(Shifter));
        var n = TSimd.Subtract(shifted, TSimd.Broadcast(Shifter));
        // r + low is the reduced argument. The second step is done error-free (the product split exactly
        // by FMA, the difference by TwoSum), because where sin r falls a binade below r a rounding there
        // is a whole ULP of the result, and where x is near a multiple of π/2 the step cancels deeply.
        var exact = TSimd.Fma(n, TSimd.Broadcast(-1.5707963267948966), x);
        var product = TSimd.Multiply(n, TSimd.Broadcast(6.123233995736766e-17));
        var productLow = TSimd.Fma(n, TSimd.Broadcast(6.123233995736766e-17), TSimd.Subtract(TSimd.Broadcast(0), product));
        var r = TSimd.Subtract(exact, product);
        var back = TSimd.Subtract(r, exact);
        var sumError = TSimd.Subtract(TSimd.Subtract(exact, TSimd.Subtract(r, back)), TSimd.Add(product, back));
        var low = TSimd.Fma(n, TSimd.Broadcast(1.4973849048591698e-33), TSimd.Subtract(sumError, productLow));
        var z = TSimd.Multiply(r, r);

        var s = TSimd.Fma(TSimd.Broadcast(-7.586697057471806e-13), z, TSimd.Broadcast(1.6058531617964313e-10));
        s = TSimd.Fma(s, z, TSimd.Broadcast(-2.505210623244113e-08));
        s = TSimd.Fma(s, z, TSimd.Broadcast(2.7557319219339146e-06));
        s = TSimd.Fma(s, z, TSimd.Broadcast(-0.00019841269841265065));
        s = TSimd.Fma(s, z, TSimd.Broadcast(0.008333333333333331));
        s = TSimd.Fma(s, z, TSimd.Broadcast(-0.16666666666666666));
        var sine = TSimd.Add(r, TSimd.Fma(TSimd.Multiply(r, z), s, low));

        var c = TSimd.Fma(TSimd.Broadcast(-1.1382632337741214e-11), z, TSimd.Broadcast(2.087614626718481e-09));
        c = TSimd.Fma(c, z, TSimd.Broadcast(-2.755731727172395e-07));
        c = TSimd.Fma(c, z, TSimd.Broadcast(2.4801587298765676e-05));
        c = TSimd.Fma(c, z, TSimd.Broadcast(-0.0013888888888887398));
        c = TSimd.Fma(c, z, TSimd.Broadcast(0.041666666666666664));
        var halfZ = TSimd.Multiply(z, TSimd.Broadcast(0.5));
        var w = TSimd.Subtract(TSimd.Broadcast(1.0), halfZ);
        var wError = TSimd.Subtract(TSimd.Subtract(TSimd.Broadcast(1.0), w), halfZ);
        var cosine = TSimd.Add(w, TSimd.Fma(TSimd.Subtract(TSimd.Broadcast(0), r), low, TSimd.Fma(TSimd.Multiply(z, z), c, wError)));

        var quadrant = TSimd.AddBits(TSimd.Bits(shifted), TSimd.BroadcastBits(quarterTurns));
        var odd = TSimd.Subtract(
            TSimd.FromBits(TSimd.OrBits(TSimd.AndBits(quadrant, TSimd.BroadcastBits(1)), TSimd.BroadcastBits(TwoPow52Bits))),
            TSimd.Broadcast(TwoPow52));
        var y = TSimd.Select(TSimd.Equal(odd, TSimd.Broadcast(1.0)), cosine, sine);
        var sign = TSimd.ShiftLeft(TSimd.AndBits(quadrant, TSimd.BroadcastBits(2)), 62);
        return TSimd.FromBits(TSimd.XorBits(TSimd.Bits(y), sign));
    }

    /// <summary>Lanes of <paramref name="x"/> outside the reduction's range (and ±∞, NaN) take <paramref name="exact"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static TVector ReplaceOutOfRange<TSimd, TVector, TBits>(TVector x, TVector y, Func<double, double> exact)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        for (var lane = 0; lane < TSimd.Count; lane++)
        {
            var value = TSimd.Element(x, lane);
            if (!(Math.Abs(value) <= ReductionLimit))
            {
                y = TSimd.WithElement(y, lane, exact(value));
            }
        }
        return y;
    }
}
