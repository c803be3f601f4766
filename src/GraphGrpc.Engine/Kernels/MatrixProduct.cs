using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GraphGrpc.Engine.Kernels;

/// <summary>
/// C (m×n, row-major) = A (m×k) · B (k×n), where A and B are read through strides, so the products
/// of backward (G·Bᵀ and Aᵀ·G) read their operands in place, without a transposed copy.
/// <para>
/// B is packed once into 8-column panels; each panel then meets A four rows at a time in a register
/// block of 4×8 accumulators. Every entry of C is the chain c = fma(A[i,p], B[p,j], c) from 0 over
/// p = 0 … k−1 in order, whatever the block, the thread or the vector width, so the result is
/// deterministic and equals that scalar chain bit for bit. Large products split their rows across cores.
/// </para>
/// </summary>
internal static class MatrixProduct
{
    private const int PanelWidth = 8;
    private const int RowBlock = 4;

    // Rows per parallel task, and the work (multiply-adds) below which one thread is faster.
    private const int TaskRows = 32;
    private const long ParallelWork = 1 << 18;

    /// <summary>
    /// A's element (i, p) is <c>a[i * aRowStride + p * aColStride]</c>; B's (p, j) is
    /// <c>b[p * bRowStride + j * bColStride]</c>. C is overwritten.
    /// </summary>
    public static void Multiply(double[] a, int aRowStride, int aColStride, double[] b, int bRowStride, int bColStride, double[] c, int m, int k, int n)
    {
        if (c.Length != m * n)
        {
            throw new ArgumentException($"the product needs {m * n} elements, the destination has {c.Length}", nameof(c));
        }
        if (m == 0 || n == 0)
        {
            return;
        }
        var panels = (n + PanelWidth - 1) / PanelWidth;
        var packed = ArrayPool<double>.Shared.Rent(Math.Max(1, panels * k * PanelWidth));
        try
        {
            Pack(b, bRowStride, bColStride, k, n, packed);
            var tasks = (m + TaskRows - 1) / TaskRows;
            if (tasks > 1 && (long)m * n * k >= ParallelWork)
            {
                Parallel.For(0, tasks, task => Rows(a, aRowStride, aColStride, packed, c, task * TaskRows, Math.Min(m, (task + 1) * TaskRows), k, n));
            }
            else
            {
                Rows(a, aRowStride, aColStride, packed, c, 0, m, k, n);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(packed);
        }
    }

    /// <summary>B's columns in panels of 8: panel q holds B[p, 8q … 8q+7] for each p in turn, zero past column n.</summary>
    private static void Pack(double[] b, int rowStride, int colStride, int k, int n, double[] packed)
    {
        var panels = (n + PanelWidth - 1) / PanelWidth;
        for (var q = 0; q < panels; q++)
        {
            var panel = packed.AsSpan(q * k * PanelWidth, k * PanelWidth);
            var width = Math.Min(PanelWidth, n - q * PanelWidth);
            for (var p = 0; p < k; p++)
            {
                var row = panel.Slice(p * PanelWidth, PanelWidth);
                var from = p * rowStride + q * PanelWidth * colStride;
                for (var j = 0; j < width; j++)
                {
                    row[j] = b[from + j * colStride];
                }
                row[width..].Clear();
            }
        }
    }

    /// <summary>Rows [start, end) of C, every panel.</summary>
    private static void Rows(double[] a, int aRowStride, int aColStride, double[] packed, double[] c, int start, int end, int k, int n)
    {
        var panels = (n + PanelWidth - 1) / PanelWidth;
        ref var a0 = ref MemoryMarshal.GetArrayDataReference(a);
        Span<double> block = stackalloc double[RowBlock * PanelWidth];
        for (var q = 0; q < panels; q++)
        {
            ref var panel = ref packed[q * k * PanelWidth];
            var column = q * PanelWidth;
            var width = Math.Min(PanelWidth, n - column);
            var i = start;
            for (; i + RowBlock <= end; i += RowBlock)
            {
                FourRows(ref Unsafe.Add(ref a0, i * aRowStride), aRowStride, aColStride, ref panel, k, block);
                for (var r = 0; r < RowBlock; r++)
                {
                    block.Slice(r * PanelWidth, width).CopyTo(c.AsSpan((i + r) * n + column, width));
                }
            }
            for (; i < end; i++)
            {
                OneRow(ref Unsafe.Add(ref a0, i * aRowStride), aColStride, ref panel, k, block);
                block[..width].CopyTo(c.AsSpan(i * n + column, width));
            }
        }
    }

    /// <summary>Four rows of A against one panel: 4×8 entries of C, held in registers over all of k.</summary>
    private static void FourRows(ref double a, int rowStride, int colStride, ref double panel, int k, Span<double> block)
    {
        var (c00, c01, c10, c11) = (Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero);
        var (c20, c21, c30, c31) = (Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero);
        nuint offset = 0;
        for (var p = 0; p < k; p++)
        {
            var b0 = Vector256.LoadUnsafe(ref panel, (nuint)(p * PanelWidth));
            var b1 = Vector256.LoadUnsafe(ref panel, (nuint)(p * PanelWidth + 4));
            var x = Vector256.Create(Unsafe.Add(ref a, offset));
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref a, offset + (nuint)rowStride));
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref a, offset + (nuint)(2 * rowStride)));
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref a, offset + (nuint)(3 * rowStride)));
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            offset += (nuint)colStride;
        }
        ref var target = ref MemoryMarshal.GetReference(block);
        c00.StoreUnsafe(ref target, 0);
        c01.StoreUnsafe(ref target, 4);
        c10.StoreUnsafe(ref target, 8);
        c11.StoreUnsafe(ref target, 12);
        c20.StoreUnsafe(ref target, 16);
        c21.StoreUnsafe(ref target, 20);
        c30.StoreUnsafe(ref target, 24);
        c31.StoreUnsafe(ref target, 28);
    }

    /// <summary>One row of A against one panel, for the rows left over after the blocks of four.</summary>
    private static void OneRow(ref double a, int colStride, ref double panel, int k, Span<double> block)
    {
        var (c0, c1) = (Vector256<double>.Zero, Vector256<double>.Zero);
        nuint offset = 0;
        for (var p = 0; p < k; p++)
        {
            var x = Vector256.Create(Unsafe.Add(ref a, offset));
            c0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref panel, (nuint)(p * PanelWidth)), c0);
            c1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref panel, (nuint)(p * PanelWidth + 4)), c1);
            offset += (nuint)colStride;
        }
        ref var target = ref MemoryMarshal.GetReference(block);
        c0.StoreUnsafe(ref target, 0);
        c1.StoreUnsafe(ref target, 4);
    }

}
