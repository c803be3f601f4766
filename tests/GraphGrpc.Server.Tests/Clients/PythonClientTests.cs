namespace GraphGrpc.Server.Tests.Clients;

/// <summary>
/// The Python package graphgrpc (src/clients/python) end to end: its pytest suite runs with Debian's
/// Python against the real server on a loopback port given in GRAPHGRPC_ADDRESS.
/// </summary>
public sealed class PythonClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task PytestSuite_PassesAgainstTheServer()
    {
        var output = await Programs.RunToSuccessAsync("/usr/bin/python3",
            ["-m", "pytest", "src/clients/python/tests", "-q", "-p", "no:cacheprovider"],
            Timeout,
            environment: new Dictionary<string, string?>
            {
                ["GRAPHGRPC_ADDRESS"] = new Uri(server.Address).Authority,
                // Leave no __pycache__ in the source tree.
                ["PYTHONDONTWRITEBYTECODE"] = "1",
            });

        Assert.Contains(" passed", output, StringComparison.Ordinal);
    }
}
