using System.Globalization;
using GraphGrpc.Fuzz;

namespace GraphGrpc.Server.Tests.Reliability;

/// <summary>
/// Starts the built server in a process of its own, then runs tests/reliability/hostile_peers.py
/// (python3-h2, raw HTTP/2 frames) once over every case while a probe makes small calls beside
/// each attack; each test reads one case's verdict. The script says what each case expects.
/// </summary>
public sealed class HostilePeerFixture : IAsyncLifetime
{
    public static readonly string[] Cases =
    [
        "rapid_reset", "continuation_flood", "header_list_over_limit", "malformed_grpc_timeout", "unknown_grpc_encoding",
        "invalid_metadata_keys", "slowloris_headers", "window_never_opens", "settings_flood", "ping_flood",
    ];

    private ServerProcess? _server;

    private string _output = "";

    /// <summary>The script's "PASS case: figures" or "FAIL case: reason" line, or all it printed when it gave none.</summary>
    public string Verdict(string testCase) =>
        _output.Split('\n').FirstOrDefault(line => line.StartsWith($"PASS {testCase}:", StringComparison.Ordinal) || line.StartsWith($"FAIL {testCase}:", StringComparison.Ordinal))
        ?? $"no verdict for {testCase}:\n{_output}";

    public bool ServerAlive => _server is { HasExited: false };

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync([]);
        var port = new Uri(_server.Address).Port.ToString(CultureInfo.InvariantCulture);
        var (exitCode, output, error) = await Programs.RunAsync("/usr/bin/python3",
            [Path.Combine(Programs.RepositoryRoot, "tests/reliability/hostile_peers.py"), "--port", port,
             "--pid", _server.Id.ToString(CultureInfo.InvariantCulture), "--cases", string.Join(",", Cases)],
            timeout: TimeSpan.FromMinutes(5));
        _output = $"{output}\nexit code {exitCode}\n{error}\nthe server said:\n{_server.Tail}";
    }

    public Task DisposeAsync()
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Alone, not beside the other test classes: the probe's latency is compared with its own at rest.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostilePeerCollection
{
    public const string Name = "hostile HTTP/2 peers";
}

[Collection(HostilePeerCollection.Name)]
public sealed class HostilePeerTests(HostilePeerFixture fixture) : IClassFixture<HostilePeerFixture>
{
    public static TheoryData<string> Cases { get; } = new(HostilePeerFixture.Cases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void HostilePeer_Attack_AnsweredAsExpectedWhileOthersAreServed(string testCase)
    {
        var verdict = fixture.Verdict(testCase);
        Assert.True(verdict.StartsWith($"PASS {testCase}:", StringComparison.Ordinal), verdict);
        Assert.True(fixture.ServerAlive, "the server died during the attacks");
    }
}
