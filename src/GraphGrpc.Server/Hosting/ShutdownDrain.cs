using Grpc.HealthCheck;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GraphGrpc.Server.Hosting;

/// <summary>
/// Graceful shutdown. When the host starts stopping (SIGTERM), health turns NOT_SERVING so load
/// balancers and readiness probes move traffic away, and the call interceptor refuses new calls
/// with UNAVAILABLE, while calls already running may finish within the drain time (the host's
/// shutdown timeout).
/// </summary>
internal static class ShutdownDrain
{
    /// <summary>The services whose health this server reports; "" is the server as a whole.</summary>
    public static readonly string[] HealthServices = ["", Contracts.V1.GraphEvaluator.Descriptor.FullName];

    public const string RefusalMessage = "the server is shutting down; retry on another replica";

    public static void MarkServing(HealthServiceImpl health, IHostApplicationLifetime lifetime)
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
}
