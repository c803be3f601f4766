using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;
using Grpc.Core;

namespace GraphGrpc.Bench.Soak;

/// <summary>
/// Memory that comes back: the server's RSS at rest, at the peak of the fuzzer's big cases (a
/// 10⁶-deep chain and a 50,000-wide fan-out and fan-in, evaluated whole), then once a second while
/// it idles, and how long it took to come back within the bound of its resting figure.
/// </summary>
internal static class MemoryReturn
{
    private const double MiB = 1024 * 1024;

    /// <summary>Near rest: within this much of the resting RSS, or 25% of it if that is more...</summary>
    private const double NearRestMiB = 64;

    /// <summary>...plus what the plan cache may keep of the big graphs' plans (PlanCacheBytes, 256 MiB by default).</summary>
    private const double PlanCacheMiB = 256;

    public static async Task<bool> RunAsync(ServerProcess server, GraphEvaluatorClient client, TimeSpan idle)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));
        var rest = server.Sample().Rss / MiB;
        var bound = rest + Math.Max(NearRestMiB, 0.25 * rest) + PlanCacheMiB;
        var big = new[] { GraphGenerator.DeepChain(1_000_000), GraphGenerator.FanOutFanIn(50_000) };
        var peak = rest;
        foreach (var graph in big.Concat(big))
        {
            var call = client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph }, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(2)));
            while (!call.IsCompleted)
            {
                peak = Math.Max(peak, server.Sample().Rss / MiB);
                await Task.WhenAny(call, Task.Delay(50));
            }
            await call;
        }
        peak = Math.Max(peak, server.Sample().Rss / MiB);
        Console.WriteLine($"memory: RSS at rest {rest:F0} MiB, at the peak of the big cases {peak:F0} MiB; near rest means below {bound:F0} MiB (rest + {Math.Max(NearRestMiB, 0.25 * rest):F0} MiB + the plan cache's {PlanCacheMiB:F0} MiB)");

        var series = new List<string>();
        TimeSpan? back = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < idle)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var rss = server.Sample().Rss / MiB;
            series.Add($"{clock.Elapsed.TotalSeconds:F0}s {rss:F0}");
            if (rss <= bound)
            {
                back ??= clock.Elapsed;
            }
            else
            {
                back = null;
            }
        }
        Console.WriteLine($"memory: RSS (MiB) while idle after the peak: {string.Join(", ", series.Where((_, i) => i % 5 == 0 || i == series.Count - 1))}");
        Console.WriteLine(back is { } t
            ? $"memory: back near rest {t.TotalSeconds:F0} s after the peak, and stayed there"
            : $"memory: NOT back near rest within {idle.TotalSeconds:F0} s of the peak");
        return back is not null;
    }
}
