using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace GraphGrpc.Server.Telemetry;

/// <summary>
/// OTLP export of the GraphGrpc spans and metrics, on when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// The settings are read from configuration, which includes the environment, so the standard
/// variables work and a test can pass them as arguments. Disposing flushes what is pending.
/// </summary>
public sealed class OpenTelemetryExport : IDisposable
{
    private readonly TracerProvider _tracing;
    private readonly MeterProvider _metrics;

    private OpenTelemetryExport(Uri endpoint, OtlpExportProtocol protocol)
    {
        _tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(GraphGrpcTelemetry.Name)
            .AddOtlpExporter(otlp => Configure(otlp, endpoint, protocol, "v1/traces"))
            .Build();
        _metrics = Sdk.CreateMeterProviderBuilder()
            .AddMeter(GraphGrpcTelemetry.Name)
            .AddOtlpExporter(otlp => Configure(otlp, endpoint, protocol, "v1/metrics"))
            .Build();
    }

    public static OpenTelemetryExport? StartIfConfigured(IConfiguration configuration)
    {
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }
        var protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        return new OpenTelemetryExport(new Uri(endpoint), protocol);
    }

    public void Dispose()
    {
        _tracing.Dispose();
        _metrics.Dispose();
    }

    private static void Configure(OtlpExporterOptions otlp, Uri endpoint, OtlpExportProtocol protocol, string signalPath)
    {
        otlp.Protocol = protocol;
        // Over HTTP the standard variable names the base; each signal posts to its own path under it.
        otlp.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint, signalPath) : endpoint;
    }
}
