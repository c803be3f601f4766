using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Client;

/// <summary>
/// The typed client of graphgrpc.v1.GraphEvaluator over the generated grpc-dotnet client, with
/// the problems of a refused graph read back from the status details.
/// </summary>
public sealed class GraphEvaluatorClient : IDisposable
{
    private readonly GrpcChannel? _ownedChannel;

    /// <summary>A client over a call invoker; Grpc.Net.ClientFactory creates it this way (<see cref="GraphEvaluatorClientRegistration"/>).</summary>
    public GraphEvaluatorClient(CallInvoker callInvoker)
    {
        ArgumentNullException.ThrowIfNull(callInvoker);
        CallInvoker = callInvoker.Intercept(new DeadlineStatusInterceptor());
        Calls = new GraphEvaluator.GraphEvaluatorClient(CallInvoker);
    }

    /// <summary>A client over <paramref name="channel"/>, which the caller keeps and disposes.</summary>
    public GraphEvaluatorClient(ChannelBase channel)
        : this((channel ?? throw new ArgumentNullException(nameof(channel))).CreateCallInvoker())
    {
    }

    private GraphEvaluatorClient(GrpcChannel ownedChannel)
        : this((ChannelBase)ownedChannel) => _ownedChannel = ownedChannel;

    /// <summary>
    /// A client of the server at <paramref name="address"/> (<c>http://127.0.0.1:50051</c>,
    /// <c>https://…</c> or <c>unix:/path/to.sock</c>) on a channel of its own, closed by <see cref="Dispose"/>.
    /// </summary>
    public static GraphEvaluatorClient ForAddress(string address, GraphEvaluatorClientOptions? options = null) =>
        new(GraphEvaluatorChannel.Create(address, options));

    /// <summary>The invoker beneath, for the standard services on the same server (e.g. <c>new Health.HealthClient(client.CallInvoker)</c>).</summary>
    public CallInvoker CallInvoker { get; }

    /// <summary>The generated client, for calls this wrapper does not shape.</summary>
    public GraphEvaluator.GraphEvaluatorClient Calls { get; }

    public async Task<ValidateResponse> ValidateAsync(ValidateRequest request, CallOptions options = default)
    {
        using var call = Calls.ValidateAsync(request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a streamed evaluation: values in topological order, then gradients in reverse, then
    /// trace events if asked for, then the summary. Dispose the call to cancel it.
    /// </summary>
    public AsyncServerStreamingCall<EvaluateEvent> Evaluate(EvaluateRequest request, CallOptions options = default) =>
        Calls.Evaluate(request, options);

    public async Task<EvaluateUnaryResponse> EvaluateUnaryAsync(EvaluateRequest request, CallOptions options = default)
    {
        using var call = Calls.EvaluateUnaryAsync(request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a batch stream: write a start, then chunks, then complete; read BatchReady, a result
    /// per chunk in order, and the summary. Dispose the call to cancel it.
    /// </summary>
    public AsyncDuplexStreamingCall<EvaluateBatchRequest, EvaluateBatchResponse> EvaluateBatch(CallOptions options = default) =>
        Calls.EvaluateBatch(options);

    /// <summary>One gradient as a sum over the paths between output and wrt: the top paths, the exact path count, the fork/join blocks.</summary>
    public async Task<ExplainResponse> ExplainAsync(ExplainRequest request, CallOptions options = default)
    {
        using var call = Calls.ExplainAsync(request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// The gradient as a graph: a Graph with the request's leaves and a sink grad(OUTPUT, WRT) per output
    /// and wrt node. Evaluate it for the gradients, differentiate it again for second derivatives, or
    /// stream it through <see cref="EvaluateBatch"/> by its plan hash, which the server holds.
    /// </summary>
    public async Task<DifferentiateResponse> DifferentiateAsync(DifferentiateRequest request, CallOptions options = default)
    {
        using var call = Calls.DifferentiateAsync(request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Every problem an INVALID_ARGUMENT or RESOURCE_EXHAUSTED status carried in its details; empty when it carried none.</summary>
    public static IReadOnlyList<Problem> ProblemsOf(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var failure = exception.GetRpcStatus()?.GetDetail<ValidationFailure>();
        return failure?.Problems ?? (IReadOnlyList<Problem>)[];
    }

    public void Dispose() => _ownedChannel?.Dispose();
}
