using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace GraphGrpc.Transport.Internal;

/// <summary>A unary call: one request in, one response out.</summary>
internal sealed class UnaryServerCallHandler<TService, TRequest, TResponse>(
    ServerMethod method,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> parser,
    Func<TService, TRequest, ServerCallContext, Task<TResponse>> invoker)
    : ServerCallHandler(method)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext http, HttpServerCallContext context)
    {
        var request = await context.ReadSingleMessageAsync(parser).ConfigureAwait(false);
        var service = activator.Create(http.RequestServices);
        TResponse response;
        try
        {
            response = await invoker(service, request, context).ConfigureAwait(false);
        }
        finally
        {
            await activator.ReleaseAsync(service).ConfigureAwait(false);
        }
        if (response is null)
        {
            throw new RpcException(StatusCode.Internal, "The handler returned no response message.");
        }
        // No flush: the message, then the trailers, go out together when the request delegate ends.
        await context.WriteMessageAsync(response, flush: false, CancellationToken.None).ConfigureAwait(false);
    }
}

/// <summary>A server-streaming call: one request in, a stream of responses out.</summary>
internal sealed class ServerStreamingServerCallHandler<TService, TRequest, TResponse>(
    ServerMethod method,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> parser,
    Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
    : ServerCallHandler(method)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext http, HttpServerCallContext context)
    {
        var request = await context.ReadSingleMessageAsync(parser).ConfigureAwait(false);
        var service = activator.Create(http.RequestServices);
        try
        {
            await invoker(service, request, new HttpContextStreamWriter<TResponse>(context), context).ConfigureAwait(false);
        }
        finally
        {
            await activator.ReleaseAsync(service).ConfigureAwait(false);
        }
    }
}

/// <summary>A client-streaming call: a stream of requests in, one response out.</summary>
internal sealed class ClientStreamingServerCallHandler<TService, TRequest, TResponse>(
    ServerMethod method,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> parser,
    Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> invoker)
    : ServerCallHandler(method)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext http, HttpServerCallContext context)
    {
        var service = activator.Create(http.RequestServices);
        TResponse response;
        try
        {
            response = await invoker(service, new HttpContextStreamReader<TRequest>(context, parser), context).ConfigureAwait(false);
        }
        finally
        {
            await activator.ReleaseAsync(service).ConfigureAwait(false);
        }
        if (response is null)
        {
            throw new RpcException(StatusCode.Internal, "The handler returned no response message.");
        }
        await context.WriteMessageAsync(response, flush: false, CancellationToken.None).ConfigureAwait(false);
    }
}

/// <summary>A bidirectional call: streams both ways, interleaved as the handler likes.</summary>
internal sealed class DuplexStreamingServerCallHandler<TService, TRequest, TResponse>(
    ServerMethod method,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> parser,
    Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
    : ServerCallHandler(method)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext http, HttpServerCallContext context)
    {
        var service = activator.Create(http.RequestServices);
        try
        {
            await invoker(service, new HttpContextStreamReader<TRequest>(context, parser), new HttpContextStreamWriter<TResponse>(context), context)
                .ConfigureAwait(false);
        }
        finally
        {
            await activator.ReleaseAsync(service).ConfigureAwait(false);
        }
    }
}

/// <summary>Answers UNIMPLEMENTED: for declared methods the service lacks, and unknown paths.</summary>
internal sealed class UnimplementedServerCallHandler(ServerMethod method, Func<HttpContext, string> describe)
    : ServerCallHandler(method)
{
    protected override Task HandleCoreAsync(HttpContext http, HttpServerCallContext context) =>
        throw new RpcException(StatusCode.Unimplemented, describe(http));
}
