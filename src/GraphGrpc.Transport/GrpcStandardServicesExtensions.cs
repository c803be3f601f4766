using GraphGrpc.Transport.Health;
using GraphGrpc.Transport.Internal;
using GraphGrpc.Transport.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GraphGrpc.Transport;

/// <summary>The standard health and reflection services.</summary>
public static class GrpcStandardServicesExtensions
{
    /// <summary>Registers the one <see cref="HealthService"/>, which the host sets statuses on.</summary>
    public static IServiceCollection AddGrpcHealth(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<HealthService>();
        return services;
    }

    /// <summary>Registers reflection (grpc.reflection.v1 and v1alpha).</summary>
    public static IServiceCollection AddGrpcReflection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton(provider => new ReflectionService(provider.GetRequiredService<GrpcServiceRegistry>()));
        services.TryAddSingleton<ReflectionV1AlphaService>();
        return services;
    }

    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _ = endpoints.ServiceProvider.GetService<HealthService>()
            ?? throw new InvalidOperationException("The health service needs services.AddGrpcHealth() before MapGrpcHealthService.");
        return endpoints.MapGrpcService<HealthService>(Grpc.Health.V1.HealthReflection.Descriptor.Services[0]);
    }

    /// <summary>Maps reflection v1 and v1alpha; every service mapped on this host is served.</summary>
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _ = endpoints.ServiceProvider.GetService<ReflectionService>()
            ?? throw new InvalidOperationException("The reflection service needs services.AddGrpcReflection() before MapGrpcReflectionService.");
        var v1 = endpoints.MapGrpcService<ReflectionService>(Grpc.Reflection.V1.ReflectionReflection.Descriptor.Services[0]);
        endpoints.MapGrpcService<ReflectionV1AlphaService>(Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor.Services[0]);
        return v1;
    }
}
