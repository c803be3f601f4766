using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GraphGrpc.Server.Telemetry;

/// <summary>The service's ActivitySource and Meter, both named "GraphGrpc", and the instruments on it.</summary>
public sealed class GraphGrpcTelemetry : IDisposable
{
    public const string Name = "GraphGrpc";

    public static readonly ActivitySource Source = new(Name);

    private readonly Meter _meter = new(Name);

    public GraphGrpcTelemetry()
    {
        Requests = _meter.CreateCounter<long>("graphgrpc.requests", description: "RPCs by method and status code.");
        Duration = _meter.CreateHistogram<double>("graphgrpc.request.duration", unit: "ms", description: "RPC latency by method and status code.");
        GraphNodes = _meter.CreateHistogram<long>("graphgrpc.graph.nodes", description: "Nodes per graph evaluated or validated.");
        PointsEvaluated = _meter.CreateCounter<long>("graphgrpc.points", description: "Points evaluated.");
    }

    public Counter<long> Requests { get; }

    public Histogram<double> Duration { get; }

    public Histogram<long> GraphNodes { get; }

    public Counter<long> PointsEvaluated { get; }

    /// <summary>A finished phase as a child span of <paramref name="rpc"/>, with the times it really ran.</summary>
    public static void RecordPhase(Activity? rpc, string name, DateTime startUtc, TimeSpan duration)
    {
        if (rpc is null)
        {
            return;
        }
        using var phase = Source.StartActivity(name, ActivityKind.Internal, rpc.Context, startTime: startUtc);
        phase?.SetEndTime(startUtc + duration);
    }

    public void Dispose() => _meter.Dispose();
}
