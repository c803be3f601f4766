using GraphGrpc.Transport.Health;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GraphGrpc.Server.Hosting;

/// <summary>
/// Graceful shutdown. When the host starts stopping (SIGTERM), health turns NOT_SERVING so load
/// balancers and readiness probes move traffic away, and new calls are refused with UNAVAILABLE,
/// while calls already running may finish within the drain time (the host's shutdown timeout).
/// </summary>
internal static class ShutdownDrain
{
    /// <summary>The services whose health this server reports; "" is the server as a whole.</summary>
    public static readonly string[] HealthServices = ["", Contracts.V1.EvaluatorReflection.Descriptor.Services[0].FullName];

    private const string HealthPathPrefix = "/grpc.health.v1.Health/";

    public static void MarkServing(HealthService health, IHostApplicationLifetime lifetime)
    {
        foreach (var service in HealthServices)
        {
            health.SetStatus(service, ServingStatus.Serving);
        }
        lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var service in HealthServices)
            {
                health.SetStatus(service, ServingStatus.NotServing);
            }
        });
    }

    /// <summary>Refuses new calls once stopping has begun; health stays open so probes can see NOT_SERVING.</summary>
    public static void UseRefusalWhileStopping(this IApplicationBuilder app, IHostApplicationLifetime lifetime) =>
        app.Use(async (http, next) =>
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested && !http.Request.Path.StartsWithSegments(HealthPathPrefix.TrimEnd('/')))
            {
                // A Trailers-Only response: the status travels in the headers of an empty reply.
                http.Response.ContentType = "application/grpc";
                http.Response.Headers["grpc-status"] = "14";
                http.Response.Headers["grpc-message"] = "the server is shutting down; retry on another replica";
                return;
            }
            await next(http);
        });
}
