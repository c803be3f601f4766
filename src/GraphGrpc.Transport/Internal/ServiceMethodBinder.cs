using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;

namespace GraphGrpc.Transport.Internal;

/// <summary>
/// Binds a proto method to the public instance method of the same name on the service class,
/// with the Grpc.Core signature for its call kind. A method the class lacks answers UNIMPLEMENTED;
/// one with the wrong signature fails at startup with the expected signature named.
/// </summary>
internal static class ServiceMethodBinder
{
    public static ServerCallHandler Bind<TService>(MethodDescriptor method, ServerMethod serverMethod, ServiceActivator<TService> activator)
        where TService : class
    {
        var requestType = method.InputType.ClrType;
        var responseType = method.OutputType.ClrType;
        var (parameters, returnType, handlerType) = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => (new[] { requestType, typeof(ServerCallContext) },
                typeof(Task<>).MakeGenericType(responseType), typeof(UnaryServerCallHandler<,,>)),
            (false, true) => (new[] { requestType, typeof(IServerStreamWriter<>).MakeGenericType(responseType), typeof(ServerCallContext) },
                typeof(Task), typeof(ServerStreamingServerCallHandler<,,>)),
            (true, false) => (new[] { typeof(IAsyncStreamReader<>).MakeGenericType(requestType), typeof(ServerCallContext) },
                typeof(Task<>).MakeGenericType(responseType), typeof(ClientStreamingServerCallHandler<,,>)),
            (true, true) => (new[] { typeof(IAsyncStreamReader<>).MakeGenericType(requestType), typeof(IServerStreamWriter<>).MakeGenericType(responseType), typeof(ServerCallContext) },
                typeof(Task), typeof(DuplexStreamingServerCallHandler<,,>)),
        };

        var candidates = typeof(TService).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == method.Name)
            .ToList();
        if (candidates.Count == 0)
        {
            return new UnimplementedServerCallHandler(serverMethod, _ => $"Method '{method.Name}' of service '{method.Service.FullName}' is unimplemented.");
        }
        var target = candidates.FirstOrDefault(m => m.ReturnType == returnType && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameters))
            ?? throw new InvalidOperationException(
                $"{typeof(TService).Name}.{method.Name} implements rpc {method.FullName} but has the wrong signature; expected " +
                $"{FormatType(returnType)} {method.Name}({string.Join(", ", parameters.Select(FormatType))}).");

        var delegateType = typeof(Func<>).Assembly.GetType($"System.Func`{parameters.Length + 2}")!
            .MakeGenericType([typeof(TService), .. parameters, returnType]);
        var invoker = target.CreateDelegate(delegateType);
        var parser = (MessageParser)requestType.GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        return (ServerCallHandler)Activator.CreateInstance(
            handlerType.MakeGenericType(typeof(TService), requestType, responseType),
            serverMethod, activator, parser, invoker)!;
    }

    /// <summary>The catch-all for paths no mapped method matches.</summary>
    public static UnimplementedServerCallHandler Unimplemented(ServerMethod serverMethod, GrpcServiceRegistry registry) =>
        new(serverMethod, http =>
        {
            var service = http.Request.RouteValues["service"] as string ?? "";
            var methodName = http.Request.RouteValues["method"] as string ?? "";
            return registry.Contains(service)
                ? $"Method '{methodName}' of service '{service}' is unimplemented."
                : $"Service '{service}' is unimplemented.";
        });

    private static string FormatType(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(FormatType))}>"
        : type.Name;
}
