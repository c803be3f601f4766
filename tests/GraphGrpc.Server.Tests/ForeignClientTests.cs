using System.Globalization;

namespace GraphGrpc.Server.Tests;

/// <summary>
/// Independent clients, Python grpcio (the gRPC C core) and grpc-go, each evaluate seed 003 end
/// to end against the server and decode its status details.
/// </summary>
public sealed class ForeignClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string[] Cases = ["evaluate_stream", "evaluate_unary", "status_details"];

    private static string RepositoryRoot => Programs.RepositoryRoot;

    private string Port => new Uri(server.Address).Port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task PythonGrpcio_RunsEveryCase()
    {
        var output = await RunAsync("/usr/bin/python3",
            [Path.Combine(RepositoryRoot, "tests/server/python/seed_client.py"), "--server_port", Port, "--repo_root", RepositoryRoot]);

        AssertEveryCasePassed(output);
    }

    [Fact]
    public async Task GrpcGo_RunsEveryCase()
    {
        var binary = Path.Combine(Path.GetTempPath(), $"graphgrpc-go-seed-{Environment.ProcessId}");
        try
        {
            await RunAsync("bash", [Path.Combine(RepositoryRoot, "tests/server/go/build.sh"), binary]);
            var output = await RunAsync(binary, [$"-server_port={Port}", $"-repo_root={RepositoryRoot}"]);

            AssertEveryCasePassed(output);
        }
        finally
        {
            File.Delete(binary);
        }
    }

    private static void AssertEveryCasePassed(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Cases.Select(c => $"PASS {c}"), lines);
    }

    private static Task<string> RunAsync(string program, string[] arguments) => Programs.RunToSuccessAsync(program, arguments);
}
