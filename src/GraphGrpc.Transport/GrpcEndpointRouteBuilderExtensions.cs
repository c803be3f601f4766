using GraphGrpc.Transport.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace GraphGrpc.Transport;

public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every method of a proto service to <typeparamref name="TService"/>'s method of the same
    /// name, at the path <c>/package.Service/Method</c> the .proto defines.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints, ServiceDescriptor service)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        var services = endpoints.ServiceProvider;
        var registry = services.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("gRPC services need services.AddGrpcTransport() before MapGrpcService.");
        var options = services.GetRequiredService<IOptions<GrpcTransportOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("GraphGrpc.Transport.Server");
        registry.Add(service);

        var activator = new ServiceActivator<TService>(services);
        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in service.Methods)
        {
            var path = $"/{service.FullName}/{method.Name}";
            var handler = ServiceMethodBinder.Bind(method, new ServerMethod(path, options, logger), activator);
            builders.Add(endpoints.MapPost(path, handler.HandleCallAsync).WithDisplayName($"gRPC {path}"));
        }

        if (!registry.UnimplementedRouteMapped)
        {
            registry.UnimplementedRouteMapped = true;
            var unimplemented = ServiceMethodBinder.Unimplemented(new ServerMethod("/{service}/{method}", options, logger), registry);
            endpoints.MapPost("/{service}/{method}", unimplemented.HandleCallAsync).WithDisplayName("gRPC unimplemented");
        }
        return new CompositeConventionBuilder(builders);
    }

    private sealed class CompositeConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }
    }
}
