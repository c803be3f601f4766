namespace GraphGrpc.Cli.Tests;

/// <summary>graphgrpc explain: seed 000's two paths to b, seed 001's 3 + 5, bad names, and the same answer with --server.</summary>
public sealed class ExplainCommandTests(LocalServer server) : IClassFixture<LocalServer>
{
    [Fact]
    public void Explain_Seed000GWithRespectToB_PrintsBothPathsTheirSumAndTheBlock()
    {
        var (exitCode, output, error) = CliRunner.Run("explain", CliRunner.Example("seed000-gradient-flow.json"), "--output", "g", "--wrt", "b");

        Assert.Equal((0, ""), (exitCode, error));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // At a = 0.5: the path through d gives 12d·5 = 1410, the one through c gives 42·2 = 84.
        Assert.Equal("dg/db = 1494  (2 paths)", lines[0]);
        Assert.StartsWith("  1410 ", lines[2]);
        Assert.EndsWith("d -> 5b -> b", lines[2]);
        Assert.StartsWith("  84 ", lines[3]);
        Assert.Equal("block e .. b: 2 paths, local gradient 249", lines[^1]);
    }

    [Fact]
    public void Explain_Seed001SumOfPaths_IsThreePlusFive()
    {
        var (exitCode, output, _) = CliRunner.Run("explain", CliRunner.Example("seed001-sum-of-paths.json"), "--wrt", "x");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("df/dx = 8  (2 paths)", output);
        Assert.Contains("  5 ", output);
        Assert.Contains("  3 ", output);
    }

    [Fact]
    public void Explain_UnknownWrt_Exits1NamingIt()
    {
        var (exitCode, output, error) = CliRunner.Run("explain", CliRunner.Example("seed003-squared-error.json"), "--wrt", "nope");

        Assert.Equal((1, ""), (exitCode, output));
        Assert.Contains("node 'nope'", error);
    }

    [Theory]
    [InlineData("seed000-gradient-flow.json", "b")]
    [InlineData("seed001-neural-layer.json", "W")]
    public void Explain_WithServer_PrintsWhatLocalExplainPrints(string example, string wrt)
    {
        var local = CliRunner.Run("explain", CliRunner.Example(example), "--wrt", wrt);
        var remote = CliRunner.Run("explain", CliRunner.Example(example), "--wrt", wrt, "--server", server.Address);

        Assert.Equal(0, local.ExitCode);
        Assert.Equal((local.ExitCode, local.Output, local.Error), (remote.ExitCode, remote.Output, remote.Error));
    }
}
