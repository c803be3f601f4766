using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace GraphGrpc.Server.Telemetry;

/// <summary>
/// OTLP export of the GraphGrpc spans and metrics, on when OTEL_EXPORTER_OTLP_ENDPOINT is set
/// (the exporter reads that and the other standard OTEL_* variables itself).
/// </summary>
internal sealed class OpenTelemetryExport : IDisposable
{
    private readonly TracerProvider _tracing;
    private readonly MeterProvider _metrics;

    private OpenTelemetryExport()
    {
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource(GraphGrpcTelemetry.Name).AddOtlpExporter().Build();
        _metrics = Sdk.CreateMeterProviderBuilder().AddMeter(GraphGrpcTelemetry.Name).AddOtlpExporter().Build();
    }

    public static OpenTelemetryExport? StartIfConfigured(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) ? null : new OpenTelemetryExport();

    public void Dispose()
    {
        _tracing.Dispose();
        _metrics.Dispose();
    }
}
