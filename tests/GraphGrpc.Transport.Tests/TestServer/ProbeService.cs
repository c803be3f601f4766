using Google.Protobuf.WellKnownTypes;
using Grpc.Testing;
using Microsoft.AspNetCore.Builder;
using Empty = Grpc.Testing.Empty;

namespace GraphGrpc.Transport.Tests.TestServer;

/// <summary>
/// grpc.testing.TestService with misbehaving handlers, to probe how the transport copes: one
/// throws, one ignores its cancellation token, one fails with status details, and two report
/// when their cancellation token fired.
/// </summary>
public sealed class ProbeService(ProbeSignals signals)
{
    public const string SecretText = "secret internals";

    /// <summary>Throws a plain exception whose text must not reach the client.</summary>
    public Task<Empty> EmptyCall(Empty request, ServerCallContext context) =>
        throw new InvalidOperationException(SecretText);

    /// <summary>Sleeps response_size milliseconds, deaf to cancellation, then answers.</summary>
    public async Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        await Task.Delay(request.ResponseSize, CancellationToken.None);
        return new SimpleResponse();
    }

    /// <summary>Fails with INVALID_ARGUMENT and a google.rpc.Status carrying the request back.</summary>
    public Task<SimpleResponse> CacheableUnaryCall(SimpleRequest request, ServerCallContext context)
    {
        var status = new Google.Rpc.Status { Code = (int)StatusCode.InvalidArgument, Message = "the request is wrong" };
        status.Details.Add(Any.Pack(request));
        throw RpcException.FromRpcStatus(status);
    }

    public const int EndlessStreamLength = 100_000;

    /// <summary>Streams 1 KiB messages until the client goes away, then reports how many it wrote.</summary>
    public async Task StreamingOutputCall(
        StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        var written = 0;
        try
        {
            for (; written < EndlessStreamLength; written++)
            {
                await responseStream.WriteAsync(new StreamingOutputCallResponse
                {
                    Payload = new Payload { Body = Google.Protobuf.ByteString.CopyFrom(new byte[1024]) },
                });
            }
        }
        finally
        {
            signals.StreamEnded.TrySetResult(written);
        }
    }

    /// <summary>Waits until its cancellation token fires (client reset or deadline), then reports it.</summary>
    public async Task FullDuplexCall(
        IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        await context.WriteResponseHeadersAsync([]);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        finally
        {
            signals.DuplexCanceled.TrySetResult();
        }
    }
}

/// <summary>What the probe handlers report to the tests.</summary>
public sealed class ProbeSignals
{
    public TaskCompletionSource<int> StreamEnded { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource DuplexCanceled { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A server whose grpc.testing.TestService is the probe service.</summary>
public sealed class ProbeServer : GrpcTestServer
{
    public ProbeSignals Signals { get; } = new();

    protected override void MapServices(WebApplication app) => app.MapGrpcService<ProbeService>(TestService);

    protected override void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, Signals);
}
