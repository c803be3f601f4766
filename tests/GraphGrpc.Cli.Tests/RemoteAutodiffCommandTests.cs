namespace GraphGrpc.Cli.Tests;

/// <summary>grad and eval --tangent with --server print exactly what they print locally.</summary>
public sealed class RemoteAutodiffCommandTests(LocalServer server) : IClassFixture<LocalServer>
{
    [Theory]
    [InlineData("seed002-log-expression.json")]
    [InlineData("seed000-gradient-flow.json")]
    [InlineData("seed001-neural-layer.json")]
    public void Grad_WithServer_PrintsWhatLocalGradPrints(string example)
    {
        var local = CliRunner.Run("grad", CliRunner.Example(example));
        var remote = CliRunner.Run("grad", CliRunner.Example(example), "--server", server.Address);

        Assert.Equal(0, remote.ExitCode);
        Assert.Equal("", remote.Error);
        Assert.Equal(local.Output, remote.Output);
    }

    [Fact]
    public void Grad_WithServer_SeedInputs_ListsTheSeedsAsLocally()
    {
        var (first, localOut, remoteOut) = (Temp(), Temp(), Temp());
        Assert.Equal(0, CliRunner.Run("grad", CliRunner.Example("seed002-log-expression.json"), "-o", first).ExitCode);

        var local = CliRunner.Run("grad", first, "-o", localOut, "--output", "grad(z, x)", "--seed-inputs");
        var remote = CliRunner.Run("grad", first, "-o", remoteOut, "--output", "grad(z, x)", "--seed-inputs", "--server", server.Address);

        Assert.Equal(0, remote.ExitCode);
        Assert.Equal(local.Output, remote.Output);
        Assert.Contains("seed(grad(z, x)): input seeding grad(z, x)", remote.Output);
        Assert.Equal(File.ReadAllText(localOut), File.ReadAllText(remoteOut));
    }

    [Fact]
    public void Grad_WithServer_UnknownWrt_PrintsTheProblemAsLocally()
    {
        var local = CliRunner.Run("grad", CliRunner.Example("seed002-log-expression.json"), "--wrt", "q");
        var remote = CliRunner.Run("grad", CliRunner.Example("seed002-log-expression.json"), "--wrt", "q", "--server", server.Address);

        Assert.Equal(CliApp.Failure, remote.ExitCode);
        Assert.Equal(local.Error, remote.Error);
    }

    [Theory]
    [InlineData("seed002-log-expression.json", "x=1", "y=2")]
    [InlineData("seed001-neural-layer.json", "x=1,0,-1")]
    public void EvalTangent_WithServer_PrintsWhatLocalEvalPrints(string example, params string[] tangents)
    {
        string[] args = ["eval", CliRunner.Example(example), .. tangents.SelectMany(t => new[] { "--tangent", t })];

        var local = CliRunner.Run(args);
        var remote = CliRunner.Run([.. args, "--server", server.Address]);

        Assert.Equal(0, remote.ExitCode);
        Assert.Contains("\"tangent\"", remote.Output);
        Assert.Equal(local.Output, remote.Output);
    }

    [Fact]
    public void EvalTangent_WithServer_BadTangent_NamesTheNodeAsLocally()
    {
        string[] args = ["eval", CliRunner.Example("seed002-log-expression.json"), "--tangent", "x=1,2", "q=3"];

        var local = CliRunner.Run(args);
        var remote = CliRunner.Run([.. args, "--server", server.Address]);

        Assert.Equal(CliApp.Failure, remote.ExitCode);
        Assert.Contains("node 'q'", remote.Error);
        Assert.Contains("node 'x'", remote.Error);
        Assert.Equal(local.Error, remote.Error);
    }

    private static string Temp() => Path.Combine(Path.GetTempPath(), $"graphgrpc-grad-{Guid.NewGuid():N}.json");
}
