namespace GraphGrpc.Cli.Tests;

public sealed class RenderCommandTests
{
    [Fact]
    public void Render_Mermaid_DrawsEveryEdgeInDataFlowDirection()
    {
        var (exitCode, output, _) = CliRunner.Run("render", CliRunner.Example("seed001-sum-of-paths.json"));

        Assert.Equal(0, exitCode);
        Assert.StartsWith("flowchart LR\n", output);
        Assert.Contains("n0((\"x\")):::input", output);
        Assert.Contains("n2[\"a: add\"]:::intermediate", output);
        Assert.Contains("n3[\"f: mul\"]:::output", output);
        foreach (var edge in new[] { "n0 --> n2", "n1 --> n2", "n2 --> n3", "n0 --> n3" })
        {
            Assert.Contains(edge, output);
        }
    }

    [Fact]
    public void Render_WithValues_LabelsEdgesWithTheGradientThatFlowedAlongThem()
    {
        var (exitCode, output, _) = CliRunner.Run("render", CliRunner.Example("seed001-sum-of-paths.json"), "--values");

        Assert.Equal(0, exitCode);
        // x's gradient 8 is the sum of the shares on its two edges, as seed 001 draws it.
        Assert.Contains("n0((\"x<br/>= 3<br/>∂ 8\")):::input", output);
        Assert.Contains("n0 -->|\"3\"| n2", output);
        Assert.Contains("n0 -->|\"5\"| n3", output);
    }

    [Fact]
    public void Render_Dot_WritesADigraphWithLabelledEdges()
    {
        var (exitCode, output, _) = CliRunner.Run("render", CliRunner.Example("seed003-squared-error.json"), "--format", "dot", "--values");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("digraph graphgrpc {", output);
        Assert.Contains("n7 [label=\"L: square\\n= 4\\n∂ 1\", shape=box", output);
        Assert.Contains("n6 -> n7 [label=\"4\"];", output);
        Assert.EndsWith("}\n", output);
    }

    [Fact]
    public void Render_UnknownFormat_IsRejected()
    {
        var (exitCode, _, error) = CliRunner.Run("render", CliRunner.Example("seed003-squared-error.json"), "--format", "svg");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("svg", error);
    }
}
