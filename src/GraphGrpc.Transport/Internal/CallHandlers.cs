using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace GraphGrpc.Transport.Internal;

/// <summary>What the four call kinds share: a service instance per call, and a single response.</summary>
internal abstract class ServiceCallHandler<TService>(ServerMethod method, ServiceActivator<TService> activator)
    : ServerCallHandler(method)
    where TService : class
{
    /// <summary>Runs the handler on a service instance, released however the handler ends.</summary>
    protected async Task<TResult> RunAsync<TState, TResult>(HttpContext http, TState state, Func<TService, TState, Task<TResult>> run)
    {
        var service = activator.Create(http.RequestServices);
        try
        {
            return await run(service, state).ConfigureAwait(false);
        }
        finally
        {
            await activator.ReleaseAsync(service).ConfigureAwait(false);
        }
    }

    protected static Task WriteSingleResponseAsync(HttpServerCallContext context, IMessage? response) =>
        response is null
            ? throw new RpcException(StatusCode.Internal, "The handler returned no response message.")
            // No flush: the message, then the trailers, go out together when the request delegate ends.
            : context.WriteMessageAsync(response, flush: false, CancellationToken.None);
}

/// <summary>A unary call: one request in, one response out.</summary>
internal sealed class UnaryServerCallHandler<TService, TRequest, TResponse>(
    ServerMethod method,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> parser,
    Func<TService, TRequest, ServerCallContext, Task<TResponse>> invoker)
    : ServiceCallHandler<TService>(method, activator)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext http, HttpServerCallContext context)
    {
        var request = await context.ReadSingleMessageAsync(parser).ConfigureAwait(false);
        var response = await RunAsync(http, (invoker, request, context),
            static (service, call) => call.invoker(service, call.request, call.context)).ConfigureAwait(false);
        await WriteSingleResponseAsync(context, response).ConfigureAwait(false);
    }
}

/// <summary>A server-streaming call: one request in, a stream of responses out.</summary>
internal sealed class ServerStreamingServerCallHandler<TService, TRequest, TResponse>(
    ServerMethod method,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> parser,
    Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
    : ServiceCallHandler<TService>(method, activator)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext http, HttpServerCallContext context)
    {
        var request = await context.ReadSingleMessageAsync(parser).ConfigureAwait(false);
        await RunAsync(http, (invoker, request, context), static async (service, call) =>
        {
            await call.invoker(service, call.request, new HttpContextStreamWriter<TResponse>(call.context), call.context).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }
}

/// <summary>A client-streaming call: a stream of requests in, one response out.</summary>
internal sealed class ClientStreamingServerCallHandler<TService, TRequest, TResponse>(
    ServerMethod method,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> parser,
    Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> invoker)
    : ServiceCallHandler<TService>(method, activator)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext http, HttpServerCallContext context)
    {
        var response = await RunAsync(http, (invoker, parser, context),
            static (service, call) => call.invoker(service, new HttpContextStreamReader<TRequest>(call.context, call.parser), call.context)).ConfigureAwait(false);
        await WriteSingleResponseAsync(context, response).ConfigureAwait(false);
    }
}

/// <summary>A bidirectional call: streams both ways, interleaved as the handler likes.</summary>
internal sealed class DuplexStreamingServerCallHandler<TService, TRequest, TResponse>(
    ServerMethod method,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> parser,
    Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
    : ServiceCallHandler<TService>(method, activator)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override Task HandleCoreAsync(HttpContext http, HttpServerCallContext context) =>
        RunAsync(http, (invoker, parser, context), static async (service, call) =>
        {
            await call.invoker(service, new HttpContextStreamReader<TRequest>(call.context, call.parser),
                new HttpContextStreamWriter<TResponse>(call.context), call.context).ConfigureAwait(false);
            return true;
        });
}

/// <summary>Answers UNIMPLEMENTED: for declared methods the service lacks, and unknown paths.</summary>
internal sealed class UnimplementedServerCallHandler(ServerMethod method, Func<HttpContext, string> describe)
    : ServerCallHandler(method)
{
    protected override Task HandleCoreAsync(HttpContext http, HttpServerCallContext context) =>
        throw new RpcException(StatusCode.Unimplemented, describe(http));
}
