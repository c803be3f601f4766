using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Transport;
using GraphGrpc.Transport.Client;

namespace GraphGrpc.Client;

/// <summary>
/// The typed client of graphgrpc.v1.GraphEvaluator. Method paths and message types come from the
/// proto's descriptor, so they cannot drift from the server's.
/// </summary>
public sealed class GraphEvaluatorClient
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = EvaluatorReflection.Descriptor.Services[0];
    private static readonly Method<ValidateRequest, ValidateResponse> ValidateMethod = Method<ValidateRequest, ValidateResponse>.From(Service.FindMethodByName("Validate"));
    private static readonly Method<EvaluateRequest, EvaluateEvent> EvaluateMethod = Method<EvaluateRequest, EvaluateEvent>.From(Service.FindMethodByName("Evaluate"));
    private static readonly Method<EvaluateRequest, EvaluateUnaryResponse> EvaluateUnaryMethod = Method<EvaluateRequest, EvaluateUnaryResponse>.From(Service.FindMethodByName("EvaluateUnary"));
    private static readonly Method<EvaluateBatchRequest, EvaluateBatchResponse> EvaluateBatchMethod = Method<EvaluateBatchRequest, EvaluateBatchResponse>.From(Service.FindMethodByName("EvaluateBatch"));

    private readonly string? _authorization;

    public GraphEvaluatorClient(GrpcChannel channel, string? bearerToken = null)
    {
        Channel = channel;
        _authorization = bearerToken is null ? null : $"Bearer {bearerToken}";
    }

    /// <summary>A client of the server at <paramref name="address"/>, e.g. <c>http://127.0.0.1:50051</c>.</summary>
    public static GraphEvaluatorClient ForAddress(string address, GrpcChannelOptions? options = null) =>
        new(GrpcChannel.ForAddress(address, options));

    /// <summary>A client that sends a bearer token and, over https://, trusts the given roots.</summary>
    public static GraphEvaluatorClient ForAddress(string address, GraphEvaluatorClientOptions clientOptions)
    {
        ArgumentNullException.ThrowIfNull(clientOptions);
        var channelOptions = new GrpcChannelOptions();
        if (clientOptions.RootCertificates is { } roots)
        {
            var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            trust.CustomTrustStore.AddRange(roots);
            channelOptions.HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                SslOptions = new SslClientAuthenticationOptions
                {
                    CertificateChainPolicy = trust,
                },
            };
        }
        return new GraphEvaluatorClient(GrpcChannel.ForAddress(address, channelOptions), clientOptions.BearerToken);
    }

    public GrpcChannel Channel { get; }

    public async Task<ValidateResponse> ValidateAsync(ValidateRequest request, CallOptions? options = null)
    {
        using var call = Channel.AsyncUnaryCall(ValidateMethod, request, Authorize(options));
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a streamed evaluation: values in topological order, then gradients in reverse, then
    /// trace events if asked for, then the summary. Dispose the call to cancel it.
    /// </summary>
    public AsyncServerStreamingCall<EvaluateEvent> Evaluate(EvaluateRequest request, CallOptions? options = null) =>
        Channel.AsyncServerStreamingCall(EvaluateMethod, request, Authorize(options));

    public async Task<EvaluateUnaryResponse> EvaluateUnaryAsync(EvaluateRequest request, CallOptions? options = null)
    {
        using var call = Channel.AsyncUnaryCall(EvaluateUnaryMethod, request, Authorize(options));
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

    /// <summary>Adds the token to the call's metadata unless the caller set its own.</summary>
    private CallOptions? Authorize(CallOptions? options)
    {
        if (_authorization is null || options?.Headers?.Get("authorization") is not null)
        {
            return options;
        }
        var headers = new Metadata();
        foreach (var entry in options?.Headers ?? [])
        {
            headers.Add(entry);
        }
        headers.Add("authorization", _authorization);
        return (options ?? CallOptions.Default) with { Headers = headers };
    }
}
