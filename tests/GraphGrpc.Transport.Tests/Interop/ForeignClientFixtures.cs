using System.Globalization;
using GraphGrpc.Transport.Tests.TestServer;

namespace GraphGrpc.Transport.Tests.Interop;

/// <summary>
/// Starts the in-process server, then runs one foreign client program once with every case; the
/// tests then read each case's verdict from that run.
/// </summary>
public abstract class ForeignClientFixture : IAsyncLifetime
{
    private readonly GrpcTestServer _server = new();

    public ClientRun Run { get; private set; } = null!;

    protected static string Root => InteropClientRunner.RepositoryRoot;

    protected static string ProtosRoot => Path.Combine(Root, "protos");

    protected static string Cases => string.Join(",", InteropClientRunner.AllCases);

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        Run = await RunClientAsync(_server.Port.ToString(CultureInfo.InvariantCulture));
    }

    protected abstract Task<ClientRun> RunClientAsync(string port);

    public Task DisposeAsync() => _server.DisposeAsync();
}

/// <summary>Debian's grpcio (gRPC C core underneath).</summary>
public sealed class PythonClientFixture : ForeignClientFixture
{
    protected override Task<ClientRun> RunClientAsync(string port) =>
        InteropClientRunner.RunAsync("/usr/bin/python3",
        [
            Path.Combine(Root, "tests/interop/python/interop_client.py"),
            "--server_port", port, "--protos_root", ProtosRoot, "--test_cases", Cases,
        ]);
}

/// <summary>@grpc/grpc-js, a pure JavaScript implementation, installed from the lock file.</summary>
public sealed class NodeClientFixture : ForeignClientFixture
{
    protected override async Task<ClientRun> RunClientAsync(string port)
    {
        var directory = Path.Combine(Root, "tests/interop/node");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "grpc-js")))
        {
            var install = await InteropClientRunner.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], directory);
            if (install.ExitCode != 0)
            {
                return install;
            }
        }
        return await InteropClientRunner.RunAsync("node",
        [
            "interop_client.js", $"--server_port={port}", $"--protos_root={ProtosRoot}", $"--test_cases={Cases}",
        ], directory);
    }
}

/// <summary>grpc-go from Debian, built in GOPATH mode with stubs from protoc-gen-go.</summary>
public sealed class GoClientFixture : ForeignClientFixture
{
    protected override async Task<ClientRun> RunClientAsync(string port)
    {
        var binary = Path.Combine(Path.GetTempPath(), $"graphgrpc-go-interop-{Environment.ProcessId}");
        try
        {
            var build = await InteropClientRunner.RunAsync("bash", [Path.Combine(Root, "tests/interop/go/build.sh"), binary]);
            if (build.ExitCode != 0)
            {
                return build;
            }
            return await InteropClientRunner.RunAsync(binary, [$"-server_port={port}", $"-test_cases={Cases}"]);
        }
        finally
        {
            File.Delete(binary);
        }
    }
}
