using System.Diagnostics;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;

namespace GraphGrpc.Bench.Suite;

/// <summary>
/// G5: chains and random DAGs of 10⁴, 10⁵ and 10⁶ nodes at one point, timed through validation and
/// compilation, then forward and backward, with the time the garbage collector paused for and the
/// memory each evaluation holds. Time should grow linearly: t(10⁶) / t(10⁵) at most 11.
/// </summary>
internal static class Scaling
{
    private static readonly int[] Sizes = [10_000, 100_000, 1_000_000];

    public static IEnumerable<string> Run(int rounds)
    {
        var lines = new List<string> { "", $"G5 scaling at one point, median of {rounds} interleaved rounds" };
        lines.Add($"{"graph",-10} {"nodes",10} {"compile ms",11} {"fwd+bwd ms",11} {"total ms",10} {"GC pause ms",12} {"held MiB",9} {"held B/node",12} {"alloc B/node",13}");
        foreach (var (kind, build) in new (string, Func<int, Graph>)[] { ("chain", Graphs.Chain), ("dag", n => Graphs.WideDag(n, seed: 5)) })
        {
            var graphs = Sizes.Select(build).ToArray();
            var samples = Sizes.Select(_ => new List<(double Compile, double Evaluate, double Pause, long Held, long Allocated)>()).ToArray();
            Timing.Interleaved(1, rounds, Sizes.Select((_, i) => (Func<double>)(() =>
            {
                var sample = Measure(graphs[i]);
                samples[i].Add(sample);
                return sample.Compile + sample.Evaluate;
            })).ToArray());
            var totals = new double[Sizes.Length];
            for (var i = 0; i < Sizes.Length; i++)
            {
                // The warm-up round is the first sample; the medians are over the timed rounds.
                var timed = samples[i].Skip(1).ToArray();
                var compile = Timing.Median(timed.Select(s => s.Compile)) * 1e3;
                var evaluate = Timing.Median(timed.Select(s => s.Evaluate)) * 1e3;
                totals[i] = Timing.Median(timed.Select(s => s.Compile + s.Evaluate)) * 1e3;
                var pause = Timing.Median(timed.Select(s => s.Pause)) * 1e3;
                var held = timed.Max(s => s.Held) / 1048576.0;
                var allocated = timed.Max(s => s.Allocated) / (double)Sizes[i];
                lines.Add($"{kind,-10} {Sizes[i],10:N0} {compile,11:F1} {evaluate,11:F1} {totals[i],10:F1} {pause,12:F1} {held,9:F0} {held * 1048576.0 / Sizes[i],12:F0} {allocated,13:F0}");
            }
            var growth = totals[2] / totals[1];
            lines.Add($"{"",-10} t(10⁶)/t(10⁵) = {growth:F2} (goal ≤11: {(growth <= 11 ? "met" : "not met")})");
        }
        lines.Add($"process peak working set after G5 (graphs of 10⁶ nodes included): {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB");
        return lines;
    }

    /// <summary>
    /// Seconds to validate and compile, seconds to run forward and backward, seconds of both the
    /// garbage collector paused the process, the managed bytes the compiled plan and result hold, and
    /// the bytes allocated on the way.
    /// </summary>
    private static (double Compile, double Evaluate, double Pause, long Held, long Allocated) Measure(Graph graph)
    {
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var pausedBefore = GC.GetTotalPauseDuration();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        var plan = GraphCompiler.Compile(graph).Plan!;
        var compile = Stopwatch.GetElapsedTime(started).TotalSeconds;
        started = Stopwatch.GetTimestamp();
        var inputs = plan.Ids.Where(id => id.StartsWith('x')).ToArray();
        var result = Evaluator.Evaluate(plan, new EvaluationRequest { Outputs = ["out"], Wrt = inputs });
        var evaluate = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var pause = (GC.GetTotalPauseDuration() - pausedBefore).TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        // After a full collection, so that this is what the plan and the result keep, not garbage the collector has not reached yet.
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(result);
        return (compile, evaluate, pause, held, allocated);
    }
}
