using System.Diagnostics;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Bench.Soak;

/// <summary>Small-call latency alone and beside a large batch: whether one client's batch starves the others.</summary>
internal static class Isolation
{
    private static readonly EvaluateRequest Small = new() { Graph = GraphGenerator.FanOutFanIn(8) };

    private const int ChunkPoints = 65_536;

    /// <summary>What the small calls measured: the count, the failures and p50/p99 in ms.</summary>
    public sealed record SmallCalls(int Calls, int Failures, double P50, double P99)
    {
        public override string ToString() => $"{Calls} calls ({Failures} failed), p50 {P50:F2} ms, p99 {P99:F2} ms";
    }

    /// <summary>Two clients calling EvaluateUnary back to back for <paramref name="duration"/>.</summary>
    public static async Task<SmallCalls> SmallCallsAsync(GraphEvaluatorClient client, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        var failures = 0;
        var end = DateTime.UtcNow + duration;
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (DateTime.UtcNow < end && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await client.EvaluateUnaryAsync(Small, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)));
                    lock (latencies)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, CancellationToken.None)));
        latencies.Sort();
        double At(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        return new SmallCalls(latencies.Count, failures, At(0.50), At(0.99));
    }

    /// <summary>One client streaming chunks of 65,536 points through a small graph until cancelled; returns the points done.</summary>
    public static async Task<long> LargeBatchAsync(GraphEvaluatorClient client, CancellationToken cancellationToken)
    {
        using var call = client.EvaluateBatch();
        await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Start = new BatchStart { Graph = Small.Graph, BatchInputs = { "x" }, RawTensors = true } }, CancellationToken.None);
        await call.ResponseStream.MoveNext(CancellationToken.None);
        var column = new Tensor { Shape = { ChunkPoints } };
        column.Values.Add(Enumerable.Range(0, ChunkPoints).Select(i => i * 1e-5));
        var chunk = new EvaluateBatchRequest { Chunk = new BatchChunk { Columns = { ["x"] = column } } };
        long points = 0;
        // Two chunks in flight, so the server always has the next one to read.
        await call.RequestStream.WriteAsync(chunk, CancellationToken.None);
        while (!cancellationToken.IsCancellationRequested)
        {
            await call.RequestStream.WriteAsync(chunk, CancellationToken.None);
            if (!await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                break;
            }
            points += ChunkPoints;
        }
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
        return points;
    }
}
