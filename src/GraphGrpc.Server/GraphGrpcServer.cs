using GraphGrpc.Server.Evaluation;
using GraphGrpc.Server.Hosting;
using GraphGrpc.Server.Security;
using GraphGrpc.Server.Telemetry;
using GraphGrpc.Transport;
using GraphGrpc.Transport.Health;

namespace GraphGrpc.Server;

/// <summary>Builds the server: Program runs it, and tests start the same thing on a free port.</summary>
public static class GraphGrpcServer
{
    public const string DefaultUrl = "http://127.0.0.1:50051";

    /// <summary>The configured application, ready to run; <paramref name="args"/> take the usual ASP.NET forms (--urls, --GraphGrpc:MaxNodes=...).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var options = builder.Configuration.GetSection(EvaluatorOptions.Section).Get<EvaluatorOptions>() ?? new EvaluatorOptions();
        var tokens = BearerTokens.FromOptions(builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions());

        // The slim builder leaves out TLS from configuration (Kestrel:Endpoints:*:Certificate); deployments need it.
        builder.WebHost.UseKestrelHttpsConfiguration();
        // Plain-text HTTP/2 on loopback unless --urls, ASPNETCORE_URLS or Kestrel endpoints (TLS) say otherwise.
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainTime);
        builder.Services.Configure<EvaluatorOptions>(builder.Configuration.GetSection(EvaluatorOptions.Section));
        builder.Services.AddGrpcTransport(transport =>
        {
            transport.MaxReceiveMessageSize = options.MaxMessageSize;
            transport.MaxSendMessageSize = options.MaxMessageSize;
        });
        builder.Services.AddGrpcHealth();
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton<GraphGrpcTelemetry>();
        builder.Services.AddSingleton<ConcurrencyGate>();
        builder.Services.AddSingleton<PlanCache>();
        builder.Services.AddSingleton<GraphEvaluatorService>();

        var app = builder.Build();
        if (OpenTelemetryExport.StartIfConfigured(app.Configuration) is { } export)
        {
            app.Lifetime.ApplicationStopped.Register(export.Dispose);
        }
        if (tokens is not null)
        {
            app.UseBearerTokenAuthentication(tokens, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GraphGrpc.Security"));
        }
        app.UseRefusalWhileStopping(app.Lifetime);
        app.MapGrpcService<GraphEvaluatorService>(Contracts.V1.EvaluatorReflection.Descriptor.Services[0]);
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService();
        ShutdownDrain.MarkServing(app.Services.GetRequiredService<HealthService>(), app.Lifetime);
        return app;
    }
}
