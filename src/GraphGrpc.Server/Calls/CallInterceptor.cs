using Grpc.Core.Interceptors;
using GraphGrpc.Server.Evaluation;
using GraphGrpc.Server.Hosting;
using GraphGrpc.Server.Security;
using GraphGrpc.Server.Telemetry;

namespace GraphGrpc.Server.Calls;

/// <summary>
/// What every call goes through once, health and reflection included, in this order: observation
/// (span, metrics, one log line), refusal while the server drains, authentication, the concurrency
/// gate for evaluations, and the mapping of whatever the handler threw onto a status.
/// </summary>
internal sealed class CallInterceptor(
    GraphGrpcTelemetry telemetry, ConcurrencyGate gate, CallAuthentication authentication,
    IHostApplicationLifetime lifetime, ILogger<CallInterceptor> logger) : Interceptor
{
    private const string HealthPrefix = "/grpc.health.v1.Health/";
    private const string EvaluatorPrefix = "/graphgrpc.v1.GraphEvaluator/";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        Run(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Run(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Run(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Run(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> Run<T>(ServerCallContext context, Func<Task<T>> handler)
    {
        using var observation = RpcObservation.Start(telemetry, logger, context);
        try
        {
            var isHealth = context.Method.StartsWith(HealthPrefix, StringComparison.Ordinal);
            if (!isHealth && lifetime.ApplicationStopping.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, ShutdownDrain.RefusalMessage));
            }
            if (!isHealth && authentication.Refusal(context) is { } refusal)
            {
                CallAuthentication.LogRefused(logger, context.Method, refusal, context.Peer);
                throw new RpcException(new Status(StatusCode.Unauthenticated, refusal));
            }
            using var lease = context.Method.StartsWith(EvaluatorPrefix, StringComparison.Ordinal) ? gate.Enter() : null;
            return await handler();
        }
        catch (Exception e)
        {
            var status = CallErrors.WithRetryAdvice(CallErrors.ToRpcException(e, context));
            observation.Fail(status.StatusCode);
            if (ReferenceEquals(status, e))
            {
                throw;
            }
            throw status;
        }
    }
}
