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

    /// <summary>
    /// Forward mode: every node's tangent, its derivative along <paramref name="tangents"/> (one per input
    /// leaf, shaped like it; the other leaves have tangent zero), keyed by node id. Only the forward
    /// pass's results come back.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Tensor>> TangentsAsync(
        Graph graph, IReadOnlyDictionary<string, Tensor> tangents, CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(tangents);
        var request = new EvaluateRequest { Graph = graph, Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.None } };
        foreach (var (id, tangent) in tangents)
        {
            request.Tangents[id] = tangent;
        }
        var response = await EvaluateUnaryAsync(request, options).ConfigureAwait(false);
        return response.Tangents.ToDictionary(t => t.NodeId, t => t.Tangent, StringComparer.Ordinal);
    }

    /// <summary>
    /// H v, where H is the Hessian of <paramref name="output"/> (the graph's one sink when null; the sum of its
    /// elements if it has several) with respect to the input leaves <paramref name="direction"/> names, at the
    /// graph's leaf values: the graph is differentiated once, and the gradient graph evaluated with the
    /// direction as its tangents (forward over reverse). Keyed by input id, each shaped like its input.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Tensor>> HessianVectorProductAsync(
        Graph graph, IReadOnlyDictionary<string, Tensor> direction, string? output = null, CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(direction);
        var differentiate = new DifferentiateRequest { Graph = graph, Wrt = { direction.Keys } };
        if (output is not null)
        {
            differentiate.Outputs.Add(output);
        }
        var gradient = await DifferentiateAsync(differentiate, options).ConfigureAwait(false);
        var sinks = gradient.Gradients.ToDictionary(sink => sink.NodeId, sink => sink.Wrt, StringComparer.Ordinal);
        var tangents = await TangentsAsync(gradient.Graph, direction, options).ConfigureAwait(false);
        return sinks.ToDictionary(sink => sink.Value, sink => tangents[sink.Key], StringComparer.Ordinal);
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
