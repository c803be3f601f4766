using System.Net;
using System.Text;
using Google.Protobuf;
using GraphGrpc.Transport.Tests.TestServer;
using Grpc.Testing;

namespace GraphGrpc.Transport.Tests;

/// <summary>The bytes and headers on the wire, checked against grpc/grpc doc/PROTOCOL-HTTP2.md.</summary>
public sealed class ProtocolTests(GrpcTestServer server) : IClassFixture<GrpcTestServer>, IDisposable
{
    private const string UnaryPath = "/grpc.testing.TestService/UnaryCall";
    private readonly HttpClient _client = RawGrpc.CreateClient();

    public void Dispose() => _client.Dispose();

    private Task<RawResponse> UnaryAsync(SimpleRequest request, params (string, string)[] headers) =>
        RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, UnaryPath, RawGrpc.Frame(request), headers: headers));

    [Fact]
    public async Task Call_NonGrpcContentType_Returns415()
    {
        var response = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, UnaryPath, [], "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_UnknownService_ReturnsUnimplementedAsTrailersOnly()
    {
        var response = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, "/no.such.Service/Method", RawGrpc.Frame(new Empty())));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("Service 'no.such.Service' is unimplemented.", response.GrpcMessage);
    }

    [Fact]
    public async Task Call_UnknownMethodOfKnownService_ReturnsUnimplementedNamingTheMethod()
    {
        var response = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, "/grpc.testing.TestService/NoSuchMethod", RawGrpc.Frame(new Empty())));

        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("Method 'NoSuchMethod' of service 'grpc.testing.TestService' is unimplemented.", response.GrpcMessage);
    }

    [Fact]
    public async Task UnaryCall_StatusMessageWithSpecialCharacters_IsPercentEncodedOnTheWire()
    {
        var response = await UnaryAsync(new SimpleRequest { ResponseStatus = new EchoStatus { Code = 9, Message = "50% ☺\n" } });

        Assert.Equal("9", response.GrpcStatus);
        Assert.Equal("50%25 %E2%98%BA%0A", response.GrpcMessage);
    }

    [Fact]
    public async Task UnaryCall_Success_SendsHeadersMessageAndTrailers()
    {
        var response = await UnaryAsync(new SimpleRequest { ResponseSize = 3 });

        Assert.False(response.Headers.ContainsKey("grpc-status"));
        Assert.Equal("0", response.Trailers["grpc-status"]);
        Assert.Equal(RawGrpc.Frame(new SimpleResponse { Payload = new Payload { Body = ByteString.CopyFrom(new byte[3]) } }), response.Body);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public async Task UnaryCall_ResponseCompressionRequested_SetsCompressedFlagAsAsked(bool compressed, byte expectedFlag)
    {
        var response = await UnaryAsync(new SimpleRequest { ResponseSize = 1000, ResponseCompressed = new BoolValue { Value = compressed } },
            ("grpc-accept-encoding", "identity, gzip"));

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("gzip", response.Headers["grpc-encoding"]);
        Assert.Equal(expectedFlag, response.Body[0]);
    }

    [Fact]
    public async Task UnaryCall_ClientDoesNotAcceptGzip_SendsUncompressed()
    {
        var response = await UnaryAsync(new SimpleRequest { ResponseSize = 1000, ResponseCompressed = new BoolValue { Value = true } },
            ("grpc-accept-encoding", "identity"));

        Assert.False(response.Headers.ContainsKey("grpc-encoding"));
        Assert.Equal(0, response.Body[0]);
    }

    [Fact]
    public async Task UnaryCall_UnsupportedRequestEncoding_ReturnsUnimplementedListingSupported()
    {
        var response = await UnaryAsync(new SimpleRequest(), ("grpc-encoding", "br"));

        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("identity,gzip", response.Headers["grpc-accept-encoding"]);
        Assert.Contains("'br'", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_MessageOverDefaultReceiveLimit_ReturnsResourceExhausted()
    {
        var response = await UnaryAsync(new SimpleRequest { Payload = new Payload { Body = ByteString.CopyFrom(new byte[4 * 1024 * 1024]) } });

        Assert.Equal("8", response.GrpcStatus);
        Assert.Contains("exceeds the maximum configured message size (4194304 bytes)", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_ResponseOverSendLimit_ReturnsResourceExhausted()
    {
        var response = await UnaryAsync(new SimpleRequest { ResponseSize = GrpcTestServer.MaxSendMessageSize + 1 });

        Assert.Equal("8", response.GrpcStatus);
        Assert.Contains("Sending message", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_MessageSplitIntoOneByteWrites_IsReassembled()
    {
        var request = RawGrpc.Request(server.Address, UnaryPath, []);
        request.Content = new TrickleContent(RawGrpc.Frame(new SimpleRequest { ResponseSize = 7, Payload = new Payload { Body = ByteString.CopyFrom(new byte[300]) } }));

        var response = await RawGrpc.SendAsync(_client, request);

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal(7, SimpleResponse.Parser.ParseFrom(response.Body.AsSpan(5)).Payload.Body.Length);
    }

    [Fact]
    public async Task StreamingInputCall_MessagesPackedIntoOneWrite_AreAllRead()
    {
        var body = new[] { 10, 20, 30 }
            .SelectMany(size => RawGrpc.Frame(new StreamingInputCallRequest { Payload = new Payload { Body = ByteString.CopyFrom(new byte[size]) } }))
            .ToArray();

        var response = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, "/grpc.testing.TestService/StreamingInputCall", body));

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal(60, StreamingInputCallResponse.Parser.ParseFrom(response.Body.AsSpan(5)).AggregatedPayloadSize);
    }

    [Theory]
    [InlineData("q6s=")]
    [InlineData("q6s")]
    public async Task UnaryCall_BinaryMetadataPaddedOrNot_IsDecodedAndEchoedUnpadded(string base64)
    {
        var response = await UnaryAsync(new SimpleRequest(), ("x-grpc-test-echo-trailing-bin", base64));

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("q6s", response.Trailers["x-grpc-test-echo-trailing-bin"]);
    }

    [Fact]
    public async Task UnaryCall_MalformedTimeout_ReturnsInternalNamingTheHeader()
    {
        var response = await UnaryAsync(new SimpleRequest(), ("grpc-timeout", "10x"));

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("grpc-timeout '10x'", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_NoRequestMessage_ReturnsInternal()
    {
        var response = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, UnaryPath, []));

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task UnaryCall_TwoRequestMessages_ReturnsInternal()
    {
        var body = RawGrpc.Frame(new SimpleRequest()).Concat(RawGrpc.Frame(new SimpleRequest())).ToArray();

        var response = await RawGrpc.SendAsync(_client, RawGrpc.Request(server.Address, UnaryPath, body));

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("more", response.GrpcMessage, StringComparison.Ordinal);
    }

    /// <summary>Writes its body one byte per flush, so each byte travels in its own DATA frame.</summary>
    private sealed class TrickleContent : HttpContent
    {
        private readonly byte[] _body;

        public TrickleContent(byte[] body)
        {
            _body = body;
            Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < _body.Length; i++)
            {
                await stream.WriteAsync(_body.AsMemory(i, 1));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
