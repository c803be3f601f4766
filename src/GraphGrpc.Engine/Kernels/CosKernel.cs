using System.Runtime.CompilerServices;

namespace GraphGrpc.Engine.Kernels;

/// <summary>
/// cos over float64 as sin(x + π/2), the quarter turn added to the quadrant rather than to x, by the
/// reduction and polynomials in <see cref="Trig"/>. Lanes with |x| &gt; 2^27, ±∞ or NaN take <c>Math.Cos</c>.
/// Measured against <c>Math.Cos</c>: max error 1 ULP.
/// Special values as <c>Math.Cos</c>: NaN → NaN, ±∞ → NaN, cos(±0) = 1.
/// </summary>
public static class CosKernel
{
    /// <summary>cos of each element of <paramref name="x"/>; in place allowed.</summary>
    public static void Cos(ReadOnlySpan<double> x, Span<double> destination)
        => UnaryKernel.Apply<Formula>(x, destination);

    /// <summary>cos <paramref name="x"/>, with exactly the bits the span version gives.</summary>
    public static double Cos(double x) => UnaryKernel.ApplyOne<Formula>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Vector<TSimd, TVector, TBits>(TVector x)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        var y = Trig.Sine<TSimd, TVector, TBits>(x, 1);
        if (!TSimd.AllLessOrEqual(TSimd.Abs(x), TSimd.Broadcast(Trig.ReductionLimit)))
        {
            y = Trig.ReplaceOutOfRange<TSimd, TVector, TBits>(x, y, Math.Cos);
        }
        return y;
    }

    private readonly struct Formula : IUnaryKernel
    {
        public static TVector Vector<TSimd, TVector, TBits>(TVector x)
            where TSimd : ISimd<TVector, TBits>
            where TVector : struct
            where TBits : struct
            => CosKernel.Vector<TSimd, TVector, TBits>(x);

        public static double Fallback(double x) => Math.Cos(x);
    }
}
