using GraphGrpc.Transport.Client;
using GraphGrpc.Transport.Tests.TestServer;
using Grpc.Testing;

namespace GraphGrpc.Transport.Tests;

/// <summary>A stream may go quiet for longer than Kestrel's request body data-rate grace period (5 s).</summary>
public sealed class SlowStreamTests(GrpcTestServer server) : IClassFixture<GrpcTestServer>
{
    [Fact]
    public async Task StreamingInputCall_ClientQuietPastKestrelRateGracePeriod_StillSucceeds()
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        var method = Client.Method<StreamingInputCallRequest, StreamingInputCallResponse>.From(GrpcTestServer.TestService.FindMethodByName("StreamingInputCall"));
        using var call = channel.AsyncClientStreamingCall(method);

        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = new Payload { Body = Google.Protobuf.ByteString.CopyFrom(new byte[10]) } });
        await Task.Delay(TimeSpan.FromSeconds(7));
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = new Payload { Body = Google.Protobuf.ByteString.CopyFrom(new byte[5]) } });
        await call.RequestStream.CompleteAsync();

        Assert.Equal(15, (await call).AggregatedPayloadSize);
    }
}
