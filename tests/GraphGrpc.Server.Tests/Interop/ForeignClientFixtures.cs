using System.Globalization;

namespace GraphGrpc.Server.Tests.Interop;

/// <summary>
/// Starts the server, then runs one foreign client program once over every case; the tests read
/// each case's verdict from that run.
/// </summary>
public abstract class ForeignClientFixture : IAsyncLifetime
{
    private readonly ServerFixture _server = new();

    public ForeignClientRun Run { get; private set; } = null!;

    protected static string Root => Programs.RepositoryRoot;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        Run = await RunClientAsync(new Uri(_server.Address).Port.ToString(CultureInfo.InvariantCulture));
    }

    public Task DisposeAsync() => _server.DisposeAsync();

    protected abstract Task<ForeignClientRun> RunClientAsync(string port);

    protected static async Task<ForeignClientRun> RunAsync(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var (exitCode, output, error) = await Programs.RunAsync(program, arguments, workingDirectory: workingDirectory);
        return new ForeignClientRun(exitCode, output, error);
    }
}

/// <summary>Debian's grpcio, the gRPC C core underneath.</summary>
public sealed class PythonClientFixture : ForeignClientFixture
{
    protected override Task<ForeignClientRun> RunClientAsync(string port) =>
        RunAsync("/usr/bin/python3",
        [
            Path.Combine(Root, "tests/interop/python/evaluator_client.py"),
            "--server_port", port, "--repo_root", Root, "--test_cases", ForeignClientRun.CaseList,
        ]);
}

/// <summary>grpc-go from Debian, built in GOPATH mode.</summary>
public sealed class GoClientFixture : ForeignClientFixture
{
    protected override async Task<ForeignClientRun> RunClientAsync(string port)
    {
        var binary = Path.Combine(Path.GetTempPath(), $"graphgrpc-go-evaluator-{Environment.ProcessId}");
        try
        {
            var build = await RunAsync("bash", [Path.Combine(Root, "tests/interop/go/evaluator/build.sh"), binary]);
            if (build.ExitCode != 0)
            {
                return build;
            }
            return await RunAsync(binary, [$"-server_port={port}", $"-repo_root={Root}", $"-test_cases={ForeignClientRun.CaseList}"]);
        }
        finally
        {
            File.Delete(binary);
        }
    }
}

/// <summary>@grpc/grpc-js, a pure JavaScript gRPC, installed from the lock file.</summary>
public sealed class NodeClientFixture : ForeignClientFixture
{
    protected override async Task<ForeignClientRun> RunClientAsync(string port)
    {
        var directory = Path.Combine(Root, "tests/interop/node");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "grpc-js")))
        {
            var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], directory);
            if (install.ExitCode != 0)
            {
                return install;
            }
        }
        return await RunAsync("node",
            ["evaluator_client.js", $"--server_port={port}", $"--repo_root={Root}", $"--test_cases={ForeignClientRun.CaseList}"], directory);
    }
}
