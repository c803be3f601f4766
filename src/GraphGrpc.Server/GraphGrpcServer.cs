using Grpc.HealthCheck;
using GraphGrpc.Server.Calls;
using GraphGrpc.Server.Evaluation;
using GraphGrpc.Server.Hosting;
using GraphGrpc.Server.Security;
using GraphGrpc.Server.Telemetry;

namespace GraphGrpc.Server;

/// <summary>Builds the server: Program runs it, and tests start the same thing on a free port.</summary>
public static class GraphGrpcServer
{
    public const string DefaultUrl = "http://127.0.0.1:50051";

    /// <summary>The configured application, ready to run; <paramref name="args"/> take the usual ASP.NET forms (--urls, --GraphGrpc:MaxNodes=...).</summary>
    public static WebApplication Build(string[] args)
    {
        // appsettings.json sits beside the assembly, so it is found whatever the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var options = builder.Configuration.GetSection(EvaluatorOptions.Section).Get<EvaluatorOptions>() ?? new EvaluatorOptions();
        var tokens = BearerTokens.FromOptions(builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions());

        BatchWorkers.Configure(options.MaxBatchWorkers);
        builder.ConfigureKestrelForGrpc();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainTime);
        builder.Services.Configure<EvaluatorOptions>(builder.Configuration.GetSection(EvaluatorOptions.Section));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxMessageSize;
            grpc.MaxSendMessageSize = options.MaxMessageSize;
            // The interceptor maps every error of ours to a status of its own; this adds the reason
            // to grpc-dotnet's errors for broken framing, which would otherwise say only "Exception was thrown by handler".
            grpc.EnableDetailedErrors = true;
            grpc.Interceptors.Add<CallInterceptor>();
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton<HealthServiceImpl>();
        builder.Services.AddSingleton(new CallAuthentication(tokens));
        builder.Services.AddSingleton<GraphGrpcTelemetry>();
        builder.Services.AddSingleton<ConcurrencyGate>();
        builder.Services.AddSingleton<PlanCache>();
        builder.Services.AddHostedService<IdleHeapTrim>();
        builder.AddGraphGrpcOpenTelemetry();

        var app = builder.Build();
        app.MapGrpcService<GraphEvaluatorService>();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcReflectionService();
        ShutdownDrain.MarkServing(app.Services.GetRequiredService<HealthServiceImpl>(), app.Lifetime);
        if (tokens is not null)
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GraphGrpc.Security");
            app.Lifetime.ApplicationStarted.Register(() => CallAuthentication.LogEnabled(logger, tokens.Count));
        }
        return app;
    }
}
