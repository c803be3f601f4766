namespace GraphGrpc.Cli.Tests;

public sealed class ValidateCommandTests
{
    [Fact]
    public void Validate_ValidGraph_PrintsTheTopologicalOrder()
    {
        var (exitCode, output, error) = CliRunner.Run("validate", CliRunner.Example("seed003-squared-error.json"));

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Equal(["valid: 8 nodes in topological order", "x", "w", "b", "y", "p", "a", "d", "L"], output.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Validate_BadGraph_PrintsEveryProblemWithExitCode1()
    {
        var path = CliRunner.WriteGraph("""
            { "nodes": [
              { "id": "a", "inputs": ["c", "x"], "add": {} },
              { "id": "b", "inputs": ["a"], "exp": {} },
              { "id": "c", "inputs": ["b"], "neg": {} },
              { "id": "x", "input": { "value": { "shape": [2], "values": [1] } } },
              { "id": "y", "inputs": ["ghost"], "log": {} } ] }
            """);

        var (exitCode, output, error) = CliRunner.Run("validate", path);

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Equal(
        [
            $"{path}: 3 problems:",
            "  node 'x': value is invalid: shape [2] needs 2 values but 1 were given [InvalidValue]",
            "  node 'y': input 'ghost' is not a node of the graph [UnknownInput]",
            "  node 'a': is on a cycle: a -> b -> c -> a [Cycle]",
        ], error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("{ \"nodes\": [ { \"id\": \"a\", \"bogus\": 1 } ] }", "not a valid graph: line 1, column 27, node #0 (counting from 0), id 'a': unknown op or field 'bogus'")]
    [InlineData("{ \"nodes\": [ ", "not a valid graph")]
    [InlineData("[1, 2]", "not a valid graph")]
    public void Validate_MalformedJson_SaysWhatIsWrongWithoutStackTrace(string json, string expected)
    {
        var path = CliRunner.WriteGraph(json);

        var (exitCode, _, error) = CliRunner.Run("validate", path);

        Assert.Equal(1, exitCode);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Validate_MissingFile_SaysItCannotBeRead()
    {
        var (exitCode, _, error) = CliRunner.Run("validate", "no-such-graph.json");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("no-such-graph.json: cannot read", error);
    }
}
