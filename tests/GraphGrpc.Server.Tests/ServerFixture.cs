using GraphGrpc.Client;
using GraphGrpc.Server.Evaluation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GraphGrpc.Server.Tests;

/// <summary>The real server on a free loopback port, built exactly as Program builds it, and a client of it.</summary>
public class ServerFixture : IAsyncLifetime
{
    private readonly string[] _settings;

    public ServerFixture()
        : this([])
    {
    }

    protected ServerFixture(string[] settings) => _settings = settings;

    public WebApplication App { get; private set; } = null!;

    public string Address { get; private set; } = "";

    public GraphEvaluatorClient Client { get; private set; } = null!;

    public ConcurrencyGate Gate => App.Services.GetRequiredService<ConcurrencyGate>();

    public async Task InitializeAsync()
    {
        App = GraphGrpcServer.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. _settings]);
        await App.StartAsync();
        Address = App.Urls.First();
        Client = GraphEvaluatorClient.ForAddress(Address);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>A server with small limits, for the tests that breach them.</summary>
public sealed class SmallLimitsServerFixture() : ServerFixture(
    ["--GraphGrpc:MaxNodes=50", "--GraphGrpc:MaxTensorElements=1000", "--GraphGrpc:MaxMessageSize=100000"]);

/// <summary>A server that runs one evaluation at a time.</summary>
public sealed class OneAtATimeServerFixture() : ServerFixture(["--GraphGrpc:MaxConcurrentEvaluations=1"]);
