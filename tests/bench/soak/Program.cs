using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using GraphGrpc.Bench.Soak;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;
using Grpc.Core;
using Grpc.Net.Client;

// Usage: dotnet run --project tests/bench/soak -c Release -- [--seconds 600] [--clients 6] [--isolation-seconds 20] [--h2load-seconds 20] [--memory-seconds 60] [--address URL]
var settings = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    settings[args[i].TrimStart('-')] = args[i + 1];
}
int Setting(string name, int fallback) => settings.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

var duration = TimeSpan.FromSeconds(Setting("seconds", 600));
var clients = Setting("clients", 6);
var address = settings.GetValueOrDefault("address");
using var server = address is null ? await ServerProcess.StartAsync([]) : null;
address ??= server!.Address;
Console.WriteLine($"soak against {address}: {clients} clients for {duration.TotalSeconds:F0} s");

var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = null });
var client = new GraphEvaluatorClient(channel);
var unexpected = 0;

// The main soak: every client loops over the mix until the time is up; the server is sampled meanwhile.
var records = new ConcurrentBag<Record>();
var samples = new List<(double Seconds, long Rss, int Threads)>();
var clock = Stopwatch.StartNew();
using (var stop = new CancellationTokenSource(duration))
{
    var sampler = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            if (server is not null)
            {
                var (rss, _, threads) = server.Sample();
                lock (samples)
                {
                    samples.Add((clock.Elapsed.TotalSeconds, rss, threads));
                }
                Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:F0} s  calls {records.Count,8}  RSS {rss / 1048576.0,7:F1} MiB  threads {threads}");
            }
            await Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None);
        }
    });
    var workers = Enumerable.Range(0, clients).Select(worker => Task.Run(async () =>
    {
        var random = new Random(worker);
        while (!stop.IsCancellationRequested)
        {
            var kind = Mix.Pick(random);
            var started = Stopwatch.GetTimestamp();
            var status = await Mix.RunAsync(client, kind, random);
            records.Add(new Record(kind, status, Stopwatch.GetElapsedTime(started)));
        }
    })).ToArray();
    await Task.WhenAll(workers);
    await sampler;
}
var elapsed = clock.Elapsed;

Console.WriteLine();
Console.WriteLine($"calls: {records.Count} in {elapsed.TotalSeconds:F0} s, {records.Count / elapsed.TotalSeconds:F0} calls/s");
Console.WriteLine("calls by kind and status (p50 / p99 latency):");
foreach (var group in records.GroupBy(r => (r.Kind, r.Status)).OrderBy(g => g.Key.Kind).ThenBy(g => g.Key.Status))
{
    var expected = Mix.Expected(group.Key.Kind).Contains(group.Key.Status);
    if (!expected)
    {
        unexpected += group.Count();
    }
    var latencies = group.Select(r => r.Latency.TotalMilliseconds).Order().ToArray();
    Console.WriteLine($"  {group.Key.Kind,-14} {group.Key.Status,-20} {group.Count(),8}  p50 {Percentile(latencies, 0.50),8:F2} ms  p99 {Percentile(latencies, 0.99),8:F2} ms{(expected ? "" : "  UNEXPECTED")}");
}
var small = records.Where(r => r.Kind is "evaluate" or "unary" && r.Status == "OK").Select(r => r.Latency.TotalMilliseconds).Order().ToArray();
Console.WriteLine($"small calls (Evaluate and EvaluateUnary, OK): p50 {Percentile(small, 0.50):F2} ms, p99 {Percentile(small, 0.99):F2} ms");
Console.WriteLine($"shed (RESOURCE_EXHAUSTED): {records.Count(r => r.Status == "RESOURCE_EXHAUSTED")}");
Console.WriteLine($"unexpected statuses: {unexpected}");
if (samples.Count > 0)
{
    // Warm-up is the first fifth of the run (at most two minutes); the slope is fitted to the rest.
    var warm = samples.Where(s => s.Seconds >= Math.Min(elapsed.TotalSeconds / 5, 120)).ToList();
    if (warm.Count == 0)
    {
        // A run shorter than one sampling interval has only its first sample.
        warm = samples;
    }
    var slope = Slope(warm.Select(s => (s.Seconds / 60, s.Rss / 1048576.0)).ToList());
    Console.WriteLine($"server RSS: min {samples.Min(s => s.Rss) / 1048576.0:F1} MiB, max {samples.Max(s => s.Rss) / 1048576.0:F1} MiB, " +
        $"after warm-up {warm.First().Rss / 1048576.0:F1} -> {warm.Last().Rss / 1048576.0:F1} MiB, slope {slope:F2} MiB/min over {warm.Count} samples");
    Console.WriteLine($"server threads: min {samples.Min(s => s.Threads)}, max {samples.Max(s => s.Threads)}, last {samples[^1].Threads}");
}

// Isolation: small calls alone, the batch alone, then both together. The goals (issue 15): small-call
// p99 beside the batch at most 3 times its p99 alone; the batch's throughput beside them at least 80%
// of its own alone. Timing ratios: trust them only from a quiet machine (load average below 2).
var isolation = TimeSpan.FromSeconds(Setting("isolation-seconds", 20));
if (isolation > TimeSpan.Zero)
{
    Console.WriteLine($"isolation: load average {File.ReadAllText("/proc/loadavg").Trim()}");
    var alone = await Isolation.SmallCallsAsync(client, isolation, CancellationToken.None);
    long batchAlone;
    using (var aloneStop = new CancellationTokenSource(isolation))
    {
        batchAlone = await Isolation.LargeBatchAsync(client, aloneStop.Token);
    }
    using var batchStop = new CancellationTokenSource();
    var batch = Isolation.LargeBatchAsync(client, batchStop.Token);
    var beside = await Isolation.SmallCallsAsync(client, isolation, CancellationToken.None);
    await batchStop.CancelAsync();
    var batchBeside = await batch;
    Console.WriteLine($"isolation: small EvaluateUnary calls alone: {alone}");
    Console.WriteLine($"isolation: small EvaluateUnary calls beside a large batch: {beside}");
    Console.WriteLine($"isolation: the batch alone {batchAlone / isolation.TotalSeconds / 1e6:F2} M points/s, beside the small calls {batchBeside / isolation.TotalSeconds / 1e6:F2} M points/s");
    Console.WriteLine($"isolation: small-call p99 beside / alone {beside.P99 / alone.P99:F2} (goal <= 3), batch throughput beside / alone {(double)batchBeside / batchAlone:F2} (goal >= 0.80)");
    Console.WriteLine($"isolation: load average {File.ReadAllText("/proc/loadavg").Trim()}");
}

// Memory that comes back after the big cases' peak (needs the server started here, to read its RSS).
var memorySeconds = Setting("memory-seconds", 60);
var memoryBack = true;
if (memorySeconds > 0 && server is not null)
{
    memoryBack = await MemoryReturn.RunAsync(server, client, TimeSpan.FromSeconds(memorySeconds));
}

var h2loadSeconds = Setting("h2load-seconds", 20);
if (h2loadSeconds > 0)
{
    await H2Load.RunAsync(address, h2loadSeconds);
}

channel.Dispose();
if (server is not null)
{
    var (rss, peak, threads) = server.Sample();
    Console.WriteLine($"server at the end: alive {!server.HasExited}, RSS {rss / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB, threads {threads}");
}
return unexpected == 0 && memoryBack && server is not { HasExited: true } ? 0 : 1;

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static double Slope(List<(double X, double Y)> points)
{
    if (points.Count < 2)
    {
        return double.NaN;
    }
    var mx = points.Average(p => p.X);
    var my = points.Average(p => p.Y);
    return points.Sum(p => (p.X - mx) * (p.Y - my)) / points.Sum(p => (p.X - mx) * (p.X - mx));
}

internal sealed record Record(string Kind, string Status, TimeSpan Latency);
