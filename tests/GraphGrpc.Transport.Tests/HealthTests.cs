using GraphGrpc.Transport.Client;
using GraphGrpc.Transport.Tests.TestServer;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GraphGrpc.Transport.Tests;

/// <summary>Statuses set on the server reach Check and every Watch.</summary>
public sealed class HealthTests(GrpcTestServer server) : IClassFixture<GrpcTestServer>
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        Method<HealthCheckRequest, HealthCheckResponse>.From(HealthReflection.Descriptor.Services[0].FindMethodByName("Check"));

    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch =
        Method<HealthCheckRequest, HealthCheckResponse>.From(HealthReflection.Descriptor.Services[0].FindMethodByName("Watch"));

    [Fact]
    public async Task Watch_StatusChangesOnServer_StreamsEachChange()
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var call = channel.AsyncServerStreamingCall(Watch, new HealthCheckRequest { Service = "watched.Service" });
        var stream = call.ResponseStream;

        Assert.True(await stream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.ServiceUnknown, stream.Current.Status);
        server.Health.SetStatus("watched.Service", ServingStatus.Serving);
        Assert.True(await stream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.Serving, stream.Current.Status);
        server.Health.SetStatus("watched.Service", ServingStatus.NotServing);
        Assert.True(await stream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.NotServing, stream.Current.Status);
        server.Health.ClearStatus("watched.Service");
        Assert.True(await stream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.ServiceUnknown, stream.Current.Status);
    }

    [Fact]
    public async Task Check_StatusSetThenCleared_ReturnsItThenNotFound()
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        var request = new HealthCheckRequest { Service = "checked.Service" };

        server.Health.SetStatus("checked.Service", ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, (await channel.AsyncUnaryCall(Check, request)).Status);
        server.Health.ClearStatus("checked.Service");
        var exception = await Assert.ThrowsAsync<RpcException>(() => channel.AsyncUnaryCall(Check, request).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, exception.StatusCode);
    }
}
