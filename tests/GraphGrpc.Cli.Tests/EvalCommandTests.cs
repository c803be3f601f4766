using System.Text.Json;

namespace GraphGrpc.Cli.Tests;

public sealed class EvalCommandTests
{
    internal const string TwoSinks = """
        { "nodes": [
          { "id": "x", "input": { "value": { "values": [1] } } },
          { "id": "s", "inputs": ["x"], "sin": {} },
          { "id": "c", "inputs": ["x"], "cos": {} } ] }
        """;

    private static Dictionary<string, JsonElement> Nodes(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("nodes").EnumerateArray()
            .ToDictionary(node => node.GetProperty("id").GetString()!);

    [Theory]
    [InlineData("seed000-gradient-flow.json", "a", 0.5, -4482)]
    [InlineData("seed000-gradient-flow.json", "d", 23.5, 282)]
    [InlineData("seed001-sum-of-paths.json", "x", 3, 8)]
    [InlineData("seed002-log-expression.json", "x", 2, 27.0 / 42)]
    [InlineData("seed003-squared-error.json", "w", 3, 8)]
    public void Eval_SeedExample_PrintsTheSeedsNumbers(string example, string id, double value, double gradient)
    {
        var (exitCode, output, error) = CliRunner.Run("eval", CliRunner.Example(example));

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        var node = Nodes(output)[id];
        Assert.Equal(value, node.GetProperty("value").GetDouble(), 1e-12);
        Assert.Equal(gradient, node.GetProperty("gradient").GetDouble(), 1e-12);
    }

    [Fact]
    public void Eval_OutputAndWrt_GivesThatPartialDerivativeOnly()
    {
        var (exitCode, output, _) = CliRunner.Run("eval", CliRunner.Example("seed000-gradient-flow.json"), "--output", "f", "--wrt", "d");

        Assert.Equal(0, exitCode);
        var nodes = Nodes(output);
        Assert.Equal(94, nodes["d"].GetProperty("gradient").GetDouble());
        Assert.Equal(JsonValueKind.Null, nodes["a"].GetProperty("gradient").ValueKind);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["f"], root.GetProperty("outputs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["d"], root.GetProperty("wrt").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Eval_Tensors_PrintAsNestedArrays()
    {
        var (exitCode, output, _) = CliRunner.Run("eval", CliRunner.Example("seed001-neural-layer.json"));

        Assert.Equal(0, exitCode);
        var w = Nodes(output)["W"];
        Assert.Equal([2, 3], w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(-0.6, w.GetProperty("value")[1][2].GetDouble());
        Assert.Equal(3, w.GetProperty("gradient")[0].GetArrayLength());
    }

    [Fact]
    public void Eval_NonFiniteValue_IsStringAndNamed()
    {
        var path = CliRunner.WriteGraph("""
            { "nodes": [
              { "id": "x", "input": { "value": { "values": [0] } } },
              { "id": "l", "inputs": ["x"], "log": {} } ] }
            """);

        var (exitCode, output, _) = CliRunner.Run("eval", path);

        Assert.Equal(0, exitCode);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("-Infinity", Nodes(output)["l"].GetProperty("value").GetString());
        Assert.Equal("l", root.GetProperty("firstNonFinite").GetProperty("id").GetString());
        Assert.Equal("value", root.GetProperty("firstNonFinite").GetProperty("phase").GetString());
    }

    [Fact]
    public void Eval_SeveralSinksWithoutOutput_RunsForwardOnlyAndSaysWhyThereAreNoGradients()
    {
        var path = CliRunner.WriteGraph(TwoSinks);

        var (exitCode, output, error) = CliRunner.Run("eval", path);

        Assert.Equal(0, exitCode);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0, root.GetProperty("outputs").GetArrayLength());
        Assert.Equal(Math.Sin(1), Nodes(output)["s"].GetProperty("value").GetDouble(), 1e-15);
        Assert.Equal(Math.Cos(1), Nodes(output)["c"].GetProperty("value").GetDouble(), 1e-15);
        Assert.All(Nodes(output).Values, node => Assert.Equal(JsonValueKind.Null, node.GetProperty("gradient").ValueKind));
        Assert.Equal(
            $"{path}: no gradients: the graph has several sinks (s, c) and no --output says which to differentiate, "
            + "so only the forward pass ran; name one or more with --output",
            error.TrimEnd());
    }

    [Fact]
    public void Eval_SeveralSinksWithAnOutput_DifferentiatesItAndSaysNothing()
    {
        var (exitCode, output, error) = CliRunner.Run("eval", CliRunner.WriteGraph(TwoSinks), "--output", "c");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Equal(-Math.Sin(1), Nodes(output)["x"].GetProperty("gradient").GetDouble(), 1e-15);
    }

    [Fact]
    public void Render_SeveralSinksWithoutOutput_DrawsValuesAndSaysWhyThereAreNoGradients()
    {
        var path = CliRunner.WriteGraph(TwoSinks);

        var (exitCode, output, error) = CliRunner.Run("render", path, "--values", "--format", "dot");

        Assert.Equal(0, exitCode);
        Assert.Contains("several sinks (s, c)", error);
        Assert.Contains("n1 [label=\"s: sin\\n= 0.841471\"", output);
        Assert.DoesNotContain("∂", output);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{ \"nodes\": [] }")]
    public void EvalAndValidate_EmptyGraph_SayTheGraphIsEmpty(string json)
    {
        var path = CliRunner.WriteGraph(json);

        foreach (var command in new[] { "eval", "validate" })
        {
            var (exitCode, output, error) = CliRunner.Run(command, path);

            Assert.Equal(1, exitCode);
            Assert.Equal("", output);
            Assert.Equal([$"{path}: 1 problem:", "  the graph is empty: it has no nodes [MissingValue]"], error.TrimEnd().Split('\n'));
        }
    }

    [Fact]
    public void Eval_UnknownOutputAndWrt_AreProblemsWithExitCode1()
    {
        var (exitCode, _, error) = CliRunner.Run("eval", CliRunner.Example("seed003-squared-error.json"), "--output", "nope", "--wrt", "nada");

        Assert.Equal(1, exitCode);
        Assert.Contains("node 'nope': is asked for as an output but is not a node of the graph [UnknownOutput]", error);
        Assert.Contains("node 'nada': is asked for a gradient but is not a node of the graph [UnknownWrt]", error);
    }

    [Fact]
    public void Eval_ClassIndexOutOfRange_NamesTheNodeWithoutStackTrace()
    {
        var path = CliRunner.WriteGraph("""
            { "nodes": [
              { "id": "logits", "input": { "value": { "values": [1, 2] , "shape": [2] } } },
              { "id": "label", "constant": { "value": { "values": [5] } } },
              { "id": "loss", "inputs": ["logits", "label"], "crossEntropy": {} } ] }
            """);

        var (exitCode, _, error) = CliRunner.Run("eval", path);

        Assert.Equal(1, exitCode);
        Assert.Contains("node 'loss': cross_entropy: class index 5 at position 0 is not a whole number in [0, 2)", error);
        Assert.DoesNotContain("   at ", error);
    }
}
