using GraphGrpc.Contracts.V1;
using GraphGrpc.Transport;
using GraphGrpc.Transport.Client;

namespace GraphGrpc.Client;

/// <summary>
/// The typed client of graphgrpc.v1.GraphEvaluator. Method paths and message types come from the
/// proto's descriptor, so they cannot drift from the server's.
/// </summary>
public sealed class GraphEvaluatorClient(GrpcChannel channel)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = EvaluatorReflection.Descriptor.Services[0];
    private static readonly Method<ValidateRequest, ValidateResponse> ValidateMethod = Method<ValidateRequest, ValidateResponse>.From(Service.FindMethodByName("Validate"));
    private static readonly Method<EvaluateRequest, EvaluateEvent> EvaluateMethod = Method<EvaluateRequest, EvaluateEvent>.From(Service.FindMethodByName("Evaluate"));
    private static readonly Method<EvaluateRequest, EvaluateUnaryResponse> EvaluateUnaryMethod = Method<EvaluateRequest, EvaluateUnaryResponse>.From(Service.FindMethodByName("EvaluateUnary"));
    private static readonly Method<EvaluateBatchRequest, EvaluateBatchResponse> EvaluateBatchMethod = Method<EvaluateBatchRequest, EvaluateBatchResponse>.From(Service.FindMethodByName("EvaluateBatch"));

    /// <summary>A client of the server at <paramref name="address"/>, e.g. <c>http://127.0.0.1:50051</c>.</summary>
    public static GraphEvaluatorClient ForAddress(string address, GrpcChannelOptions? options = null) =>
        new(GrpcChannel.ForAddress(address, options));

    public GrpcChannel Channel { get; } = channel;

    public async Task<ValidateResponse> ValidateAsync(ValidateRequest request, CallOptions? options = null)
    {
        using var call = Channel.AsyncUnaryCall(ValidateMethod, request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a streamed evaluation: values in topological order, then gradients in reverse, then
    /// trace events if asked for, then the summary. Dispose the call to cancel it.
    /// </summary>
    public AsyncServerStreamingCall<EvaluateEvent> Evaluate(EvaluateRequest request, CallOptions? options = null) =>
        Channel.AsyncServerStreamingCall(EvaluateMethod, request, options);

    public async Task<EvaluateUnaryResponse> EvaluateUnaryAsync(EvaluateRequest request, CallOptions? options = null)
    {
        using var call = Channel.AsyncUnaryCall(EvaluateUnaryMethod, request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a batch stream: write a start, then chunks, then complete; read BatchReady, a result
    /// per chunk in order, and the summary. Dispose the call to cancel it.
    /// </summary>
    public AsyncDuplexStreamingCall<EvaluateBatchRequest, EvaluateBatchResponse> EvaluateBatch(CallOptions? options = null) =>
        Channel.AsyncDuplexStreamingCall(EvaluateBatchMethod, options);

    /// <summary>Every problem an INVALID_ARGUMENT or RESOURCE_EXHAUSTED status carried in its details; empty when it carried none.</summary>
    public static IReadOnlyList<Problem> ProblemsOf(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var failure = exception.GetRpcStatus()?.Details
            .Where(detail => detail.Is(ValidationFailure.Descriptor))
            .Select(detail => detail.Unpack<ValidationFailure>())
            .FirstOrDefault();
        return failure?.Problems ?? (IReadOnlyList<Problem>)[];
    }
}
