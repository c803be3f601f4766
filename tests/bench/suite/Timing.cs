using System.Diagnostics;

namespace GraphGrpc.Bench.Suite;

/// <summary>Interleaved medians: each round runs every variant once, so noise from other work falls on all alike.</summary>
internal static class Timing
{
    /// <param name="variants">Each runs once and returns its own time in seconds.</param>
    /// <returns>Each variant's median, in milliseconds.</returns>
    public static double[] Interleaved(int warmups, int rounds, params Func<double>[] variants)
    {
        for (var w = 0; w < warmups; w++)
        {
            foreach (var variant in variants)
            {
                variant();
            }
        }
        var samples = variants.Select(_ => new double[rounds]).ToArray();
        for (var r = 0; r < rounds; r++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                samples[v][r] = variants[v]();
            }
        }
        return samples.Select(s => Median(s) * 1e3).ToArray();
    }

    public static Func<double> Timed(Action action) => () =>
    {
        var started = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    };

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
