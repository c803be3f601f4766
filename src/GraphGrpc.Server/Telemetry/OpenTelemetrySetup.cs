using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GraphGrpc.Server.Telemetry;

/// <summary>
/// OpenTelemetry through the hosting extensions: ASP.NET Core's request spans with GraphGrpc's as
/// their children, so a caller's traceparent continues without code of ours; ASP.NET Core, Kestrel,
/// runtime and GraphGrpc metrics; OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// </summary>
internal static class OpenTelemetrySetup
{
    public const string DefaultServiceName = "graphgrpc";

    public static void AddGraphGrpcOpenTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName))
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SamplingRatio)))
                .AddAspNetCoreInstrumentation()
                .AddSource(GraphGrpcTelemetry.Name))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(GraphGrpcTelemetry.Name, "Microsoft.AspNetCore.Server.Kestrel"));
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // Reads the endpoint, protocol and headers from the standard OTEL_EXPORTER_OTLP_* settings.
            telemetry.UseOtlpExporter();
        }
    }
}
