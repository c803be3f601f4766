using System.Diagnostics;

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
        var root = FindRepositoryRoot();
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        foreach (var argument in new[] { "-m", "pytest", "src/clients/python/tests", "-q", "-p", "no:cacheprovider" })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["GRAPHGRPC_ADDRESS"] = new Uri(server.Address).Authority;
        // Leave no __pycache__ in the source tree.
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"pytest did not finish within {Timeout}:\n{await output}\n{await error}");
        }

        Assert.True(process.ExitCode == 0, $"pytest exited with {process.ExitCode}:\n{await output}\n{await error}");
        Assert.Contains(" passed", await output, StringComparison.Ordinal);
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GraphGrpc.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("GraphGrpc.sln not found above the test binaries.");
    }
}
