using GraphGrpc.Server;
using Microsoft.AspNetCore.Builder;

namespace GraphGrpc.Cli.Tests;

/// <summary>A real server on a free loopback port for the --server tests.</summary>
public sealed class LocalServer : IAsyncLifetime
{
    private WebApplication _app = null!;

    public string Address { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _app = GraphGrpcServer.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        await _app.StartAsync();
        Address = _app.Urls.First();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>validate and eval with --server print exactly what they print locally.</summary>
public sealed class RemoteCommandTests(LocalServer server) : IClassFixture<LocalServer>
{
    public static TheoryData<string> Examples() => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples"), "*.json").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Eval_WithServer_PrintsWhatLocalEvalPrints(string example)
    {
        var local = CliRunner.Run("eval", CliRunner.Example(example));
        var remote = CliRunner.Run("eval", CliRunner.Example(example), "--server", server.Address);

        Assert.Equal(0, remote.ExitCode);
        Assert.Equal(local.Output, remote.Output);
    }

    [Fact]
    public void Eval_WithServerOutputAndWrt_PrintsWhatLocalEvalPrints()
    {
        string[] args = ["eval", CliRunner.Example("seed000-gradient-flow.json"), "--output", "f", "--wrt", "d"];

        Assert.Equal(CliRunner.Run(args).Output, CliRunner.Run([.. args, "--server", server.Address]).Output);
    }

    [Fact]
    public void Validate_WithServer_PrintsTheOrderOrEveryProblem()
    {
        var path = CliRunner.WriteGraph("""
            { "nodes": [
              { "id": "a", "inputs": ["b"], "neg": {} },
              { "id": "b", "inputs": ["a"], "exp": {} },
              { "id": "y", "inputs": ["ghost"], "log": {} } ] }
            """);

        var good = CliRunner.Run("validate", CliRunner.Example("seed003-squared-error.json"), "--server", server.Address);
        var bad = CliRunner.Run("validate", path, "--server", server.Address);

        Assert.Equal(CliRunner.Run("validate", CliRunner.Example("seed003-squared-error.json")).Output, good.Output);
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal(CliRunner.Run("validate", path).Error, bad.Error);
    }

    [Fact]
    public void Eval_WithServerSeveralSinksWithoutOutput_GivesWhatLocalEvalGives()
    {
        var path = CliRunner.WriteGraph(EvalCommandTests.TwoSinks);

        var local = CliRunner.Run("eval", path);
        var remote = CliRunner.Run("eval", path, "--server", server.Address);

        Assert.Equal(0, remote.ExitCode);
        Assert.Equal(local, remote);
        Assert.Contains("no gradients: the graph has several sinks (s, c)", remote.Error);
    }

    [Theory]
    [InlineData("validate", "{}")]
    [InlineData("eval", "{}")]
    [InlineData("eval", "{ \"nodes\": [ { \"id\": \"a\", \"lgo\": {} } ] }")]
    public void Command_WithServerEmptyOrMalformedGraph_GivesWhatLocalGives(string command, string json)
    {
        var path = CliRunner.WriteGraph(json);

        var local = CliRunner.Run(command, path);
        var remote = CliRunner.Run(command, path, "--server", server.Address);

        Assert.Equal(1, remote.ExitCode);
        Assert.Equal(local, remote);
    }

    [Fact]
    public void Eval_ServerNotThere_SaysSoWithExitCode1()
    {
        var (exitCode, _, error) = CliRunner.Run("eval", CliRunner.Example("seed003-squared-error.json"), "--server", "http://127.0.0.1:1");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("http://127.0.0.1:1: Unavailable:", error);
    }
}
