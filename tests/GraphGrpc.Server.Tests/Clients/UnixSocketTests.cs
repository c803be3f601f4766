using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Microsoft.AspNetCore.Builder;

namespace GraphGrpc.Server.Tests.Clients;

/// <summary>A server listening on a Unix domain socket (a sidecar's setup) answers the .NET, Python and Go clients.</summary>
public sealed class UnixSocketTests(UnixSocketServerFixture server, GoWorkspace go) : IClassFixture<UnixSocketServerFixture>, IClassFixture<GoWorkspace>
{
    private static readonly string[] Seed003Lines = ["L = 4", "dL/dx = 12", "dL/dw = 8", "dL/db = 4", "dL/dy = -4"];

    [Fact]
    public async Task DotNetClient_OverTheSocket_EvaluatesSeed003()
    {
        using var client = GraphEvaluatorClient.ForAddress(server.Address);

        var response = await client.EvaluateUnaryAsync(new EvaluateRequest { Graph = Graphs.Example("seed003-squared-error.json") });

        Assert.Equal(4.0, response.Values.Single(v => v.NodeId == "L").Value.Values.Single());
        Assert.Equal(12.0, response.Gradients.Single(g => g.NodeId == "x").Gradient.Values.Single());
    }

    [Fact]
    public async Task PythonClient_OverTheSocket_EvaluatesSeed003()
    {
        const string Program = """
            import sys
            from graphgrpc import Client, Graph
            g = Graph(); x = g.input("x", 2.0); w = g.input("w", 3.0); b = g.input("b", 1.0); y = g.input("y", 5.0)
            loss = (w * x + b - y) ** 2
            result = Client(sys.argv[1]).evaluate(loss, wrt=[x, w, b, y])
            print(result.values[loss], *(result.gradients[n] for n in (x, w, b, y)))
            """;
        var output = await Programs.RunToSuccessAsync("/usr/bin/python3", ["-c", Program, server.Address],
            environment: new Dictionary<string, string?> { ["PYTHONPATH"] = Path.Combine(Programs.RepositoryRoot, "src", "clients", "python") });

        Assert.Equal("4.0 12.0 8.0 4.0 -4.0", output.Trim());
    }

    [Fact]
    public async Task GoClient_OverTheSocket_EvaluatesSeed003()
    {
        var binary = Path.Combine(go.Root, "seed003-unix");
        await go.RunAsync(["go", "build", "-o", binary, "graphgrpc/cmd/seed003"]);

        var output = await go.RunAsync([binary, "-server", server.Address]);

        Assert.Equal(Seed003Lines, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

/// <summary>The server listening on a Unix domain socket only, given as the URL http://unix:/path.</summary>
public sealed class UnixSocketServerFixture : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("graphgrpc-uds-").FullName;

    private WebApplication? _app;

    /// <summary>The address the clients take: unix:/path/to.sock.</summary>
    public string Address => $"unix:{SocketPath}";

    private string SocketPath => Path.Combine(_folder, "graphgrpc.sock");

    public async Task InitializeAsync()
    {
        _app = GraphGrpcServer.Build(["--urls", $"http://unix:{SocketPath}", "--Logging:LogLevel:Default=Warning"]);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_folder, recursive: true);
    }
}
