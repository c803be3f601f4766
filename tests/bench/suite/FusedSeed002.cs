using System.Runtime.Intrinsics;
using GraphGrpc.Engine.Kernels;

namespace GraphGrpc.Bench.Suite;

/// <summary>
/// Seed 002 written by hand at the limit: z = log(3x² + 5xy), ∂z/∂x = (6x + 5y) / e and ∂z/∂y = 5x / e in
/// one pass, eight points per AVX-512 vector with the project's own vector log, every intermediate in a
/// register, on all cores. It is the floor for the engine's interpretation overhead.
/// </summary>
internal static class FusedSeed002
{
    private const int Chunk = 4096;

    public static void Run(double[] x, double[] y, (double[] Z, double[] Dx, double[] Dy) result)
    {
        var (z, dx, dy) = result;
        var (three, five, six) = (Vector512.Create(3.0), Vector512.Create(5.0), Vector512.Create(6.0));
        Parallel.For(0, (x.Length + Chunk - 1) / Chunk, chunk =>
        {
            var end = Math.Min(x.Length, (chunk + 1) * Chunk);
            var i = chunk * Chunk;
            for (; i + Vector512<double>.Count <= end; i += Vector512<double>.Count)
            {
                var (xi, yi) = (Vector512.Create(x, i), Vector512.Create(y, i));
                var e = three * xi * xi + five * xi * yi;
                LogKernel.Log(e).CopyTo(z, i);
                ((six * xi + five * yi) / e).CopyTo(dx, i);
                (five * xi / e).CopyTo(dy, i);
            }
            for (; i < end; i++)
            {
                var e = 3 * x[i] * x[i] + 5 * x[i] * y[i];
                z[i] = LogKernel.Log(e);
                dx[i] = (6 * x[i] + 5 * y[i]) / e;
                dy[i] = 5 * x[i] / e;
            }
        });
    }
}
