using Grpc.Health.V1;
using Grpc.Core;
using Grpc.HealthCheck;
using Microsoft.Extensions.DependencyInjection;
using Grpc.Net.Client;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GraphGrpc.Server.Tests;

/// <summary>Graceful shutdown: a running stream finishes, health turns NOT_SERVING, new calls are refused.</summary>
public sealed class ShutdownTests : IAsyncLifetime
{
    private readonly ServerFixture _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task StopAsync_WhileAStreamRuns_DrainsItAndRefusesNewCalls()
    {
        // A second connection, opened before the stop, on which to ask for more during the drain.
        using var probe = GrpcChannel.ForAddress(_server.Address);
        Assert.Equal(ServingStatus.Serving, (await new Health.HealthClient(probe).CheckAsync(new HealthCheckRequest())).Status);
        var running = EventStream.CollectAsync(_server.Client, Graphs.Quiet(Graphs.SlowChain(150)));
        await WaitFor.Condition(() => _server.Gate.Active == 1);

        var stopping = _server.App.StopAsync();
        await WaitFor.Condition(() => _server.App.Lifetime.ApplicationStopping.IsCancellationRequested);

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            new Client.GraphEvaluatorClient(probe).EvaluateUnaryAsync(new Contracts.V1.EvaluateRequest { Graph = Graphs.Example("seed003-squared-error.json") }));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        var events = await running;
        Assert.NotNull(events.Last().Summary);
        Assert.Equal(153, events.Last().Summary.NodeCount);
        await stopping;
    }

    [Fact]
    public async Task StopAsync_TurnsHealthNotServing()
    {
        var health = _server.App.Services.GetRequiredService<HealthServiceImpl>();
        using var probe = GrpcChannel.ForAddress(_server.Address);
        Assert.Equal(ServingStatus.Serving, (await new Health.HealthClient(probe).CheckAsync(new HealthCheckRequest { Service = "graphgrpc.v1.GraphEvaluator" })).Status);

        await _server.App.StopAsync();

        Assert.Equal(ServingStatus.NotServing, (await health.Check(new HealthCheckRequest { Service = "graphgrpc.v1.GraphEvaluator" }, null!)).Status);
        Assert.Equal(ServingStatus.NotServing, (await health.Check(new HealthCheckRequest(), null!)).Status);
    }
}
