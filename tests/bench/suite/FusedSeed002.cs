namespace GraphGrpc.Bench.Suite;

/// <summary>
/// Seed 002 written by hand: z = log(3x² + 5xy), ∂z/∂x = (6x + 5y) / e and ∂z/∂y = 5x / e in one
/// pass per point, on all cores, the way a programmer with no graph engine would write it. It is the
/// floor for the engine's interpretation overhead.
/// </summary>
internal static class FusedSeed002
{
    private const int Chunk = 4096;

    public static void Run(double[] x, double[] y, (double[] Z, double[] Dx, double[] Dy) result)
    {
        var (z, dx, dy) = result;
        Parallel.For(0, (x.Length + Chunk - 1) / Chunk, chunk =>
        {
            var end = Math.Min(x.Length, (chunk + 1) * Chunk);
            for (var i = chunk * Chunk; i < end; i++)
            {
                var (xi, yi) = (x[i], y[i]);
                var e = 3 * xi * xi + 5 * xi * yi;
                z[i] = Math.Log(e);
                dx[i] = (6 * xi + 5 * yi) / e;
                dy[i] = 5 * xi / e;
            }
        });
    }
}
