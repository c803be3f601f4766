using System.Runtime.CompilerServices;

namespace GraphGrpc.Engine.Kernels;

/// <summary>
/// sin over float64 by the quadrant reduction and polynomials in <see cref="Trig"/>. Lanes with |x| &gt; 2^27, ±∞ or NaN take <c>Math.Sin</c>.
/// Measured against <c>Math.Sin</c>: max error 1 ULP.
/// Special values as <c>Math.Sin</c>: NaN → NaN, ±∞ → NaN, sin(±0) = ±0.
/// </summary>
public static class SinKernel
{
    /// <summary>sin of each element of <paramref name="x"/>; in place allowed.</summary>
    public static void Sin(ReadOnlySpan<double> x, Span<double> destination)
        => UnaryKernel.Apply<Formula>(x, destination);

    /// <summary>sin <paramref name="x"/>, with exactly the bits the span version gives.</summary>
    public static double Sin(double x) => UnaryKernel.ApplyOne<Formula>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Vector<TSimd, TVector, TBits>(TVector x)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        var y = Trig.Sine<TSimd, TVector, TBits>(x, 0);

        // The polynomial turns −0 into +0; sin keeps the sign of zero.
        y = TSimd.Select(TSimd.Equal(x, TSimd.Broadcast(0)), x, y);
        if (!TSimd.AllLessOrEqual(TSimd.Abs(x), TSimd.Broadcast(Trig.ReductionLimit)))
        {
            y = Trig.ReplaceOutOfRange<TSimd, TVector, TBits>(x, y, Math.Sin);
        }
        return y;
    }

    private readonly struct Formula : IUnaryKernel
    {
        public static TVector Vector<TSimd, TVector, TBits>(TVector x)
            where TSimd : ISimd<TVector, TBits>
            where TVector : struct
            where TBits : struct
            => SinKernel.Vector<TSimd, TVector, TBits>(x);

        public static double Fallback(double x) => Math.Sin(x);
    }
}
