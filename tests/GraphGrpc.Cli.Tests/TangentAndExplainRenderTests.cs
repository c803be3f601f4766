using System.Text.Json;

namespace GraphGrpc.Cli.Tests;

/// <summary>eval --tangent prints each node's tangent beside its value; render --explain draws a gradient's top paths.</summary>
public sealed class TangentAndExplainRenderTests
{
    private static Dictionary<string, JsonElement> Nodes(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(node => node.GetProperty("id").GetString()!);

    [Fact]
    public void Eval_Tangent_PrintsEachNodesTangentBesideItsValue()
    {
        var (exitCode, output, error) = CliRunner.Run("eval", CliRunner.Example("seed002-log-expression.json"), "--tangent", "x=1", "--tangent", "y=2");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        var nodes = Nodes(output);
        // dz along (1, 2) is ∂z/∂x + 2 ∂z/∂y = (27 + 20) / 42.
        Assert.Equal(47.0 / 42, nodes["z"].GetProperty("tangent").GetDouble(), 15);
        // a = x², so its tangent is 2x = 4; c = xy, so 1·y + x·2 = 7.
        Assert.Equal(4, nodes["a"].GetProperty("tangent").GetDouble());
        Assert.Equal(7, nodes["c"].GetProperty("tangent").GetDouble());
        Assert.Equal(["id", "op", "shape", "value", "tangent", "gradient"], nodes["z"].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Eval_Tangent_OnATensorLeaf_TakesItsShape()
    {
        var (exitCode, output, _) = CliRunner.Run("eval", CliRunner.Example("seed001-neural-layer.json"), "--tangent", "x=1,0,0");

        Assert.Equal(0, exitCode);
        Assert.Equal(3, Nodes(output)["x"].GetProperty("tangent").GetArrayLength());
    }

    [Fact]
    public void Eval_WithoutTangents_PrintsNoTangentField()
    {
        var (_, output, _) = CliRunner.Run("eval", CliRunner.Example("seed002-log-expression.json"));

        Assert.False(Nodes(output)["z"].TryGetProperty("tangent", out _));
    }

    [Fact]
    public void Eval_BadTangents_NameEveryNode()
    {
        var (exitCode, _, error) = CliRunner.Run("eval", CliRunner.Example("seed002-log-expression.json"), "--tangent", "x=1,2", "q=3", "3=1");

        Assert.Equal(CliApp.Failure, exitCode);
        Assert.Contains("node 'x': tangent has shape [2] but the input has shape [] [InvalidValue]", error);
        Assert.Contains("node 'q': has a tangent but is not a node of the graph [UnknownNode]", error);
        Assert.Contains("node '3': has a tangent but is not an input leaf", error);
    }

    [Fact]
    public void Eval_MalformedTangent_SaysTheSyntax()
    {
        var (exitCode, _, error) = CliRunner.Run("eval", CliRunner.Example("seed002-log-expression.json"), "--tangent", "x=one");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--tangent 'x=one' is not ID=V1,V2,...", error);
    }

    [Fact]
    public void Render_Explain_Seed001_HighlightsBothPathsWithTheirLocalGradients()
    {
        var (exitCode, output, error) = CliRunner.Run("render", CliRunner.Example("seed001-sum-of-paths.json"), "--explain", "--wrt", "x");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Contains("%% df/dx = 8 over 2 paths", output);
        Assert.Contains("%% path 1: f -> x contributes 5", output);
        Assert.Contains("%% path 2: f -> a -> x contributes 3", output);
        Assert.Contains("n0 ==>|\"∂ 5 · path 1\"| n3", output);
        Assert.Contains("n2 ==>|\"∂ 3 · path 2\"| n3", output);
        Assert.Contains("n0 ==>|\"∂ 1 · path 2\"| n2", output);
        // y is on no path to x.
        Assert.Contains("n1 --> n2", output);
        Assert.Contains("linkStyle 0,2,3 stroke:#d32f2f", output);
    }

    [Fact]
    public void Render_Explain_Top1_HighlightsOnlyTheLargestPathAndSaysWhatTheRestGive()
    {
        var (exitCode, output, _) = CliRunner.Run("render", CliRunner.Example("seed000-gradient-flow.json"), "--explain", "--output", "g", "--wrt", "b",
            "--top", "1", "--format", "dot");

        Assert.Equal(0, exitCode);
        Assert.Contains("// path 1: g -> 3f -> f -> e -> d^2 -> d -> 5b -> b contributes 1410", output);
        Assert.Contains("// the other path contributes 84", output);
        // The path through c is labelled with its local gradients but not highlighted.
        Assert.Contains("[label=\"∂ 7\"];", output);
        Assert.Contains("[label=\"∂ 5 · path 1\", color=\"#d32f2f\", penwidth=3];", output);
    }

    [Fact]
    public void Render_Explain_WithoutWrt_IsRefused()
    {
        var (exitCode, _, error) = CliRunner.Run("render", CliRunner.Example("seed001-sum-of-paths.json"), "--explain");

        Assert.Equal(CliApp.Failure, exitCode);
        Assert.Contains("name one --wrt node", error);
    }
}
