using GraphGrpc.Transport.Internal;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GraphGrpc.Transport;

public static class GrpcTransportServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gRPC transport: options, routing, and Kestrel defaults (h2c). Call it before
    /// <see cref="GrpcEndpointRouteBuilderExtensions.MapGrpcService{TService}"/>.
    /// </summary>
    public static IServiceCollection AddGrpcTransport(this IServiceCollection services, Action<GrpcTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        services.AddOptions<GrpcTransportOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, GrpcKestrelServerOptionsSetup>());
        return services;
    }
}
