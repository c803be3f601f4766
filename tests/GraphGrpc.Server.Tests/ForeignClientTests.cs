using System.Diagnostics;
using System.Globalization;

namespace GraphGrpc.Server.Tests;

/// <summary>
/// Independent clients, Python grpcio (the gRPC C core) and grpc-go, each evaluate seed 003 end
/// to end against the server and decode its status details.
/// </summary>
public sealed class ForeignClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string[] Cases = ["evaluate_stream", "evaluate_unary", "status_details"];

    private static string RepositoryRoot { get; } = FindRepositoryRoot();

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

    /// <summary>Runs a program to its end and returns what it printed; a non-zero exit fails the test with all its output.</summary>
    private static async Task<string> RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{program} exited with {process.ExitCode}:\n{await output}\n{await error}");
        return await output;
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
