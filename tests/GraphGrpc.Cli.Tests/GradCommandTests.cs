using System.Text.Json;
using GraphGrpc.Contracts;

namespace GraphGrpc.Cli.Tests;

/// <summary>graphgrpc grad writes the gradient as a graph that eval, render and grad itself take again.</summary>
public sealed class GradCommandTests
{
    private static Dictionary<string, JsonElement> Nodes(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(node => node.GetProperty("id").GetString()!);

    [Fact]
    public void Grad_Seed002_WritesAGraphWhoseSinksAreTheGradients()
    {
        var target = Path.Combine(Path.GetTempPath(), $"graphgrpc-grad-{Guid.NewGuid():N}.json");

        var (exitCode, output, error) = CliRunner.Run("grad", CliRunner.Example("seed002-log-expression.json"), "-o", target);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Equal(["grad(z, x): dz/dx", "grad(z, y): dz/dy"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var (evalCode, evalOutput, _) = CliRunner.Run("eval", target, "--output", "grad(z, x)");
        Assert.Equal(0, evalCode);
        var nodes = Nodes(evalOutput);
        Assert.Equal(27.0 / 42, nodes["grad(z, x)"].GetProperty("value").GetDouble(), 15);
        Assert.Equal(10.0 / 42, nodes["grad(z, y)"].GetProperty("value").GetDouble(), 15);
        // Its gradient with respect to x is the second derivative ∂²z/∂x² = (6(3x² + 5xy) − (6x + 5y)²) / (3x² + 5xy)².
        Assert.Equal((6.0 * 42 - 27 * 27) / (42 * 42), nodes["x"].GetProperty("gradient").GetDouble(), 14);
    }

    [Fact]
    public void Grad_Twice_WithSeedInputs_GivesAHessianVectorProductGraph()
    {
        var first = Path.Combine(Path.GetTempPath(), $"graphgrpc-grad-{Guid.NewGuid():N}.json");
        var second = Path.Combine(Path.GetTempPath(), $"graphgrpc-grad-{Guid.NewGuid():N}.json");
        Assert.Equal(0, CliRunner.Run("grad", CliRunner.Example("seed002-log-expression.json"), "-o", first).ExitCode);

        var (exitCode, output, _) = CliRunner.Run("grad", first, "-o", second, "--output", "grad(z, x)", "--wrt", "x", "y", "--seed-inputs");

        Assert.Equal(0, exitCode);
        Assert.Contains("seed(grad(z, x)): input seeding grad(z, x)", output);
        var graph = GraphFiles.Read(second);
        Assert.Contains(graph.Nodes, n => n.Id == "seed(grad(z, x))" && n.Input is not null);
        Assert.Contains(graph.Nodes, n => n.Id == "grad(grad(z, x), y)");
    }

    [Fact]
    public void Grad_WithoutOutFile_PrintsTheGraph()
    {
        var (exitCode, output, _) = CliRunner.Run("grad", CliRunner.Example("seed001-sum-of-paths.json"), "--wrt", "y");

        Assert.Equal(0, exitCode);
        var graph = GraphFiles.Parse(output);
        Assert.Contains(graph.Nodes, n => n.Id == "grad(f, y)");
    }

    [Fact]
    public void Grad_UnknownWrt_NamesIt()
    {
        var (exitCode, _, error) = CliRunner.Run("grad", CliRunner.Example("seed002-log-expression.json"), "--wrt", "q");

        Assert.Equal(CliApp.Failure, exitCode);
        Assert.Contains("node 'q': is asked for a gradient but is not a node of the graph [UnknownWrt]", error);
    }

    [Fact]
    public void Render_GradientGraph_DrawsItsSinks()
    {
        var target = Path.Combine(Path.GetTempPath(), $"graphgrpc-grad-{Guid.NewGuid():N}.json");
        Assert.Equal(0, CliRunner.Run("grad", CliRunner.Example("seed002-log-expression.json"), "-o", target).ExitCode);

        var (exitCode, output, _) = CliRunner.Run("render", target);

        Assert.Equal(0, exitCode);
        Assert.Contains("[\"grad(z, x): add\"]:::output", output);
        Assert.Contains("[\"grad(z, e): div\"]:::intermediate", output);
    }
}
