using GraphGrpc.Contracts;

namespace GraphGrpc.Cli.Tests;

/// <summary>A graph file that does not parse is reported with the line and column, and the node's index and id.</summary>
public sealed class GraphFileErrorTests
{
    private const string UnknownOp = """
        { "nodes": [
          { "id": "x", "input": { "value": { "values": [2] } } },
          { "id": "y", "inputs": ["x"], "lgo": {} } ] }
        """;

    [Fact]
    public void Validate_UnknownOp_GivesLineColumnNodeAndEveryValidOp()
    {
        var path = CliRunner.WriteGraph(UnknownOp);

        var (exitCode, output, error) = CliRunner.Run("validate", path);

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Equal(
            $"{path}: not a valid graph: line 3, column 33, node #1 (counting from 0), id 'y': unknown op or field 'lgo'; "
            + "a node has \"id\", \"inputs\" and one op, which is one of: input, constant, add, sub, mul, div, pow, maximum, minimum, "
            + "neg, exp, log, sqrt, square, abs, sin, cos, tanh, sigmoid, relu, sign, identity, matmul, transpose, reshape, broadcastTo, sum, mean, "
            + "softmax, logSoftmax, mse, crossEntropy",
            error.TrimEnd());
    }

    [Fact]
    public void Parse_UnknownOp_ListsEveryOpOfTheContract()
    {
        var e = Assert.Throws<InvalidGraphFileException>(() => GraphFiles.Parse(UnknownOp));

        var listed = e.Message[(e.Message.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].Split(", ");
        Assert.Equal(Contracts.V1.Node.Descriptor.Oneofs[0].Fields.Select(f => f.JsonName), listed);
        // Every listed name is one the parser takes as an op.
        Assert.All(listed, op => GraphFiles.Parse($$"""{ "nodes": [ { "id": "n", "{{op}}": {} } ] }"""));
    }

    [Theory]
    [InlineData("{ \"nodes\": [\n  { \"id\": \"a\", \"input\": { \"value\": { \"values\": [\"two\"] } } } ] }",
        2, 38, 0, "a", "'values': Invalid numeric value for type: two")]
    [InlineData("{ \"nodes\": [\n  { \"id\": \"x\", \"input\": { \"value\": { \"values\": [1] } } },\n  { \"id\": \"s\", \"inputs\": [\"x\"], \"mse\": { \"reduction\": \"MEAN\" } } ] }",
        3, 42, 1, "s", "'reduction': Invalid enum value: MEAN for enum type: graphgrpc.v1.Reduction; it is one of: REDUCTION_UNSPECIFIED, REDUCTION_MEAN, REDUCTION_SUM")]
    [InlineData("{ \"nodes\": [ { \"id\": \"é\", \"input\": { \"value\": { \"valuez\": [1] } } } ] }",
        1, 49, 0, "é", "unknown field 'valuez'; a Tensor has: shape, values, raw")]
    [InlineData("{ \"nodes\": [ { \"id\": \"a\", \"input\": {}, \"log\": {} } ] }",
        1, 14, 0, "a", "Multiple values specified for oneof op")]
    [InlineData("{ \"nodes\": [ { \"id\": 5 } ] }",
        1, 16, 0, null, "'id': Unsupported conversion from JSON number for field type String")]
    [InlineData("{ \"nodes\": [ { \"id\": \"a\", \"pow\": { \"exponent\": 2 } }, 3 ] }",
        1, 55, 1, null, "Expected an object")]
    public void Parse_BadField_NamesTheNodeAndPointsAtTheField(string json, int line, int column, int node, string? id, string message)
    {
        var e = Assert.Throws<InvalidGraphFileException>(() => GraphFiles.Parse(json));

        Assert.Equal((line, column, node, id), (e.Line, e.Column, e.NodeIndex, e.NodeId));
        Assert.EndsWith(message, e.Message);
        var where = id is null ? $"node #{node} (counting from 0)" : $"node #{node} (counting from 0), id '{id}'";
        Assert.StartsWith($"not a valid graph: line {line}, column {column}, {where}: ", e.Message);
    }

    [Theory]
    [InlineData("{ \"nodes\": [\n  { \"id\": \"a\" },\n  { \"id\": \"b\",, } ] }", 3, 15, "',' is an invalid start of a property name. Expected a '\"'.")]
    [InlineData("{ \"nodes\": [ ", 1, 14, "Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.")]
    [InlineData("{ \"node\": [] }", 1, 3, "unknown field 'node'; a Graph has: nodes")]
    [InlineData("{ \"nodes\": {} }", 1, 3, "'nodes': Repeated field value was not an array. Token type: StartObject")]
    [InlineData("[1, 2]", 1, 1, "a graph file is a JSON object, { \"nodes\": [ ... ] }, not an array")]
    [InlineData(" \n ", 1, 1, "the file is empty; a graph file is a JSON object: { \"nodes\": [ ... ] }")]
    public void Parse_BadFile_GivesTheLineAndColumn(string json, int line, int column, string message)
    {
        var e = Assert.Throws<InvalidGraphFileException>(() => GraphFiles.Parse(json));

        Assert.Equal($"not a valid graph: line {line}, column {column}: {message}", e.Message);
        Assert.Equal((line, column, (int?)null), (e.Line, e.Column, e.NodeIndex));
    }

    [Fact]
    public void Eval_BadFile_GivesTheSameReportAsValidate()
    {
        var path = CliRunner.WriteGraph(UnknownOp);

        Assert.Equal(CliRunner.Run("validate", path).Error, CliRunner.Run("eval", path).Error);
    }
}
