using GraphGrpc.Transport.Tests.TestServer;

namespace GraphGrpc.Transport.Tests.Interop;

/// <summary>Runs Debian's grpcio client once, with every case, against the in-process server.</summary>
public sealed class PythonClientFixture : IAsyncLifetime
{
    private readonly GrpcTestServer _server = new();

    public ClientRun Run { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        Run = await InteropClientRunner.RunAsync("/usr/bin/python3",
        [
            Path.Combine(InteropClientRunner.RepositoryRoot, "tests/interop/python/interop_client.py"),
            "--server_port", _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--protos_root", Path.Combine(InteropClientRunner.RepositoryRoot, "protos"),
            "--test_cases", string.Join(",", InteropClientRunner.AllCases),
        ]);
    }

    public Task DisposeAsync() => _server.DisposeAsync();
}

public sealed class PythonInteropTests(PythonClientFixture fixture) : IClassFixture<PythonClientFixture>
{
    public static TheoryData<string> Cases { get; } = new(InteropClientRunner.AllCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void PythonClient_InteropCase_Passes(string testCase)
    {
        var verdict = fixture.Run.Verdict(testCase);
        Assert.True(verdict == $"PASS {testCase}", verdict);
    }
}
