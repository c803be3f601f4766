using System.Diagnostics;
using GraphGrpc.Transport.Client;
using GraphGrpc.Transport.Tests.TestServer;
using Grpc.Testing;

namespace GraphGrpc.Transport.Tests;

/// <summary>Handlers that throw, hang or ignore cancellation, and how the transport ends their calls.</summary>
public sealed class ProbeTests(ProbeServer server) : IClassFixture<ProbeServer>, IDisposable
{
    private readonly HttpClient _client = RawGrpc.CreateClient();

    public void Dispose() => _client.Dispose();

    private Task<RawResponse> SleepAsync(int milliseconds, string timeout) =>
        RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, "/grpc.testing.TestService/UnaryCall",
            RawGrpc.Frame(new SimpleRequest { ResponseSize = milliseconds }), headers: ("grpc-timeout", timeout)));

    [Fact]
    public async Task EmptyCall_HandlerThrows_ReturnsUnknownWithoutExceptionDetails()
    {
        var response = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, "/grpc.testing.TestService/EmptyCall", RawGrpc.Frame(new Empty())));

        Assert.Equal("2", response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        Assert.DoesNotContain(ProbeService.SecretText, string.Join(' ', response.Headers.Values.Concat(response.Trailers.Values)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_HandlerIgnoresExpiredDeadline_ClientGetsDeadlineExceededOnTime()
    {
        var clock = Stopwatch.StartNew();

        var response = await SleepAsync(3000, "200m");

        Assert.Equal("4", response.GrpcStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(2000), $"DEADLINE_EXCEEDED came after {clock.Elapsed}.");
    }

    [Theory]
    [InlineData("1n")]
    [InlineData("1000u")]
    [InlineData("20m")]
    public async Task UnaryCall_ShortTimeoutInEachFineUnit_ReturnsDeadlineExceeded(string timeout)
    {
        var response = await SleepAsync(1500, timeout);

        Assert.Equal("4", response.GrpcStatus);
    }

    [Theory]
    [InlineData("30S")]
    [InlineData("1M")]
    [InlineData("1H")]
    [InlineData("99999999H")]
    public async Task UnaryCall_LongTimeoutInEachCoarseUnit_Succeeds(string timeout)
    {
        var response = await SleepAsync(10, timeout);

        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task FullDuplexCall_ClientResetsStream_HandlerTokenFires()
    {
        server.Signals.DuplexCanceled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var cts = new CancellationTokenSource();
        var call = channel.AsyncDuplexStreamingCall(
            Client.Method<StreamingOutputCallRequest, StreamingOutputCallResponse>.From(GrpcTestServer.TestService.FindMethodByName("FullDuplexCall")),
            new CallOptions { CancellationToken = cts.Token });
        await call.ResponseHeadersAsync;

        await cts.CancelAsync();

        await server.Signals.DuplexCanceled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task CacheableUnaryCall_RpcStatusWithDetails_ClientReadsStatusDetailsBin()
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        var method = Client.Method<SimpleRequest, SimpleResponse>.From(GrpcTestServer.TestService.FindMethodByName("CacheableUnaryCall"));

        var exception = await Assert.ThrowsAsync<RpcException>(() => channel.AsyncUnaryCall(method, new SimpleRequest { ResponseSize = 42 }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, exception.StatusCode);
        Assert.Equal("the request is wrong", exception.Status.Detail);
        var details = exception.GetRpcStatus();
        Assert.NotNull(details);
        Assert.Equal(42, details.Details.Single().Unpack<SimpleRequest>().ResponseSize);
    }
}
