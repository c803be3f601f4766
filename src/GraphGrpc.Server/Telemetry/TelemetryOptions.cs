namespace GraphGrpc.Server.Telemetry;

/// <summary>Tracing settings: configuration section "GraphGrpc:Telemetry".</summary>
public sealed class TelemetryOptions
{
    public const string Section = "GraphGrpc:Telemetry";

    /// <summary>
    /// The share of calls without a sampled parent that are traced, from 0 to 1. A caller's sampled
    /// traceparent is always followed. Tracing every call cost health checks 11% of their
    /// throughput (tests/bench/health, with no exporter), so the default keeps one root call in a hundred.
    /// </summary>
    public double SamplingRatio { get; set; } = 0.01;
}
