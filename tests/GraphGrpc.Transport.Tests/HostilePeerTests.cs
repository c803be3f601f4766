using System.IO.Compression;
using System.Net.Sockets;
using Google.Protobuf;
using GraphGrpc.Transport.Client;
using GraphGrpc.Transport.Tests.TestServer;
using Grpc.Testing;

namespace GraphGrpc.Transport.Tests;

/// <summary>Peers that break the protocol: each gets the right status, and the server serves the next call.</summary>
public sealed class HostilePeerTests(GrpcTestServer server) : IClassFixture<GrpcTestServer>, IDisposable
{
    private const string UnaryPath = "/grpc.testing.TestService/UnaryCall";
    private readonly HttpClient _client = RawGrpc.CreateClient();

    public void Dispose() => _client.Dispose();

    private async Task<RawResponse> SendAsync(byte[] body, params (string, string)[] headers)
    {
        var response = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, UnaryPath, body, headers: headers));
        await AssertStillServingAsync();
        return response;
    }

    /// <summary>The next call on the same connection succeeds.</summary>
    private async Task AssertStillServingAsync()
    {
        var next = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, "/grpc.testing.TestService/EmptyCall", RawGrpc.Frame(new Empty())));
        Assert.Equal("0", next.GrpcStatus);
    }

    [Fact]
    public async Task UnaryCall_TruncatedFrame_ReturnsInternal()
    {
        var response = await SendAsync(RawGrpc.Frame(new byte[10], declaredLength: 100));

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("Incomplete message", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_DeclaredLengthOfTwoGiB_ReturnsResourceExhausted()
    {
        var response = await SendAsync(RawGrpc.Frame(new byte[16], declaredLength: 2u * 1024 * 1024 * 1024));

        Assert.Equal("8", response.GrpcStatus);
        Assert.Contains("2147483648 bytes", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_CompressedFlagWithoutGrpcEncoding_ReturnsInternal()
    {
        var response = await SendAsync(RawGrpc.Frame(new SimpleRequest(), flag: 1));

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("no grpc-encoding", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_InvalidCompressedFlag_ReturnsInternal()
    {
        var response = await SendAsync(RawGrpc.Frame(new SimpleRequest(), flag: 7));

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task UnaryCall_GarbageProtobuf_ReturnsInternal()
    {
        var response = await SendAsync(RawGrpc.Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]));

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("SimpleRequest", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_CorruptGzip_ReturnsInternal()
    {
        var response = await SendAsync(RawGrpc.Frame([1, 2, 3, 4, 5, 6, 7, 8], flag: 1), ("grpc-encoding", "gzip"));

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("decompress", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_SmallGzipInflatingPastLimit_ReturnsResourceExhausted()
    {
        var request = new SimpleRequest { Payload = new Payload { Body = ByteString.CopyFrom(new byte[8 * 1024 * 1024]) } };
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            request.WriteTo(gzip);
        }

        var response = await SendAsync(RawGrpc.Frame(compressed.ToArray(), flag: 1), ("grpc-encoding", "gzip"));

        Assert.Equal("8", response.GrpcStatus);
        Assert.Contains("after decompression", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_ThousandConcurrentStreams_AllSucceed()
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        var method = Client.Method<SimpleRequest, SimpleResponse>.From(GrpcTestServer.TestService.FindMethodByName("UnaryCall"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i =>
            channel.AsyncUnaryCall(method, new SimpleRequest { ResponseSize = i }).ResponseAsync));

        Assert.Equal(Enumerable.Range(0, 1000), responses.Select(r => r.Payload.Body.Length));
        await AssertStillServingAsync();
    }
}

/// <summary>A client that vanishes while the server is streaming to it.</summary>
public sealed class DisconnectTests(ProbeServer server) : IClassFixture<ProbeServer>
{
    [Fact]
    public async Task StreamingOutputCall_ClientDisconnectsMidStream_HandlerStopsAndServerKeepsServing()
    {
        server.Signals.StreamEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Socket? socket = null;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler);
        var request = RawGrpc.Request(server.Address, "/grpc.testing.TestService/StreamingOutputCall", RawGrpc.Frame(new StreamingOutputCallRequest()));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadAtLeastAsync(new byte[64 * 1024], 64 * 1024);

        // Pull the plug: the TCP connection drops with the stream still open.
        socket!.Close(0);

        var written = await server.Signals.StreamEnded.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The handler's next write failed (or its token fired) well before the stream's natural end.
        Assert.True(written < ProbeService.EndlessStreamLength, $"the handler wrote all {written} messages to a vanished client");
        using var next = RawGrpc.CreateClient();
        var health = await RawGrpc.SendAsync(next, RawGrpc.Request(server.Address, "/grpc.health.v1.Health/Check", RawGrpc.Frame(new Grpc.Health.V1.HealthCheckRequest())));
        Assert.Equal("0", health.GrpcStatus);
    }
}
