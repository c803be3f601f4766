using System.Text.Json;
using GraphGrpc.Cli;
using GraphGrpc.Contracts;
using static GraphGrpc.Onnx.Tests.OnnxModels;

namespace GraphGrpc.Onnx.Tests;

/// <summary>
/// graphgrpc import MODEL -o GRAPH: the graph file it writes is the one OnnxImport gives and the one
/// the Python package's `python3 -m graphgrpc import` writes, and `graphgrpc eval` reads it.
/// </summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("graphgrpc-import-test-").FullName;

    /// <summary>A softmax classifier, softmax(x·Wᵀ + b), whose batch dimension is symbolic.</summary>
    private readonly string _model;

    public ImportCommandTests()
    {
        _model = Path.Combine(_directory, "classifier.onnx");
        File.WriteAllBytes(_model, Google.Protobuf.MessageExtensions.ToByteArray(Model(
            [Node("Gemm", ["x", "W", "b"], "logits", "linear", Int("transB", 1)), Node("Softmax", ["logits"], "y", "softmax", Int("axis", 1))],
            [("x", [null, 3])],
            [Doubles("W", [2, 3], 0.5, -1, 2, 1, 0.25, -0.5), Doubles("b", [2], 0.1, -0.2)])));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string GraphPath(string name) => Path.Combine(_directory, name);

    [Fact]
    public void Import_WritesTheGraphOfOnnxImport_ThatEvalReads()
    {
        var graph = GraphPath("graph.json");

        var (exitCode, output, error) = Run("import", _model, "-o", graph, "--shape", "x=4,3", "--trainable", "W", "b");

        Assert.True(exitCode == 0, error);
        var expected = OnnxImport.FromFile(_model, new OnnxImportOptions
        {
            Inputs = new Dictionary<string, Engine.Tensors.Tensor> { ["x"] = Engine.Tensors.Tensor.Zeros([4, 3]) },
            Trainable = ["W", "b"],
        });
        Assert.Equal($"wrote {graph}: {expected.Nodes.Count} nodes\n", output);
        Assert.Equal(expected, GraphFiles.Read(graph));
        Assert.Equal(["W", "b", "x"], GraphFiles.Read(graph).Nodes.Where(n => n.Input is not null).Select(n => n.Id).Order(StringComparer.Ordinal));

        var (evalExit, evalOutput, evalError) = Run("eval", graph, "-o", "y", "--wrt", "W");
        Assert.True(evalExit == 0, evalError);
        // x is zeros, so every row of y is softmax(b).
        using var evaluation = JsonDocument.Parse(evalOutput);
        var y = evaluation.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == "y");
        var firstRow = y.GetProperty("value").EnumerateArray().First().EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(2, firstRow.Length);
        Assert.Equal(1 / (1 + Math.Exp(-0.3)), firstRow[0], 1e-15);
        Assert.Equal(1 / (1 + Math.Exp(0.3)), firstRow[1], 1e-15);
    }

    [Fact]
    public void Import_WritesWhatThePythonCommandWrites()
    {
        var dotnet = GraphPath("dotnet.json");
        var python = GraphPath("python.json");
        string[] options = ["--trainable", "all", "--shape", "x=5,3"];

        Assert.Equal(0, Run(["import", _model, "-o", dotnet, .. options]).ExitCode);
        Repository.RunPython(["-m", "graphgrpc", "import", _model, "-o", python, .. options]);

        Assert.Equal(GraphFiles.Read(python), GraphFiles.Read(dotnet));
    }

    [Fact]
    public void Import_OfAnUnsupportedOp_FailsNamingTheNodeAndWritesNothing()
    {
        var model = Path.Combine(_directory, "conv.onnx");
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(Model([Node("Conv", ["x", "x"], "y", "conv")], [("x", [1, 1, 3, 3])])));
        var graph = GraphPath("conv.json");

        var (exitCode, _, error) = Run("import", model, "-o", graph);

        Assert.Equal(CliApp.Failure, exitCode);
        Assert.StartsWith($"graphgrpc import: {model}: node 'conv' (Conv, output 'y'): the op Conv is not supported. Supported: Add, Sub,", error, StringComparison.Ordinal);
        Assert.False(File.Exists(graph));
    }

    [Theory]
    [InlineData("--shape", "x", "--shape takes INPUT=D1,D2,..., not 'x'")]
    [InlineData("--shape", "x=4,three", "--shape takes INPUT=D1,D2,... with whole numbers, not 'x=4,three'")]
    [InlineData("--trainable", "w", "trainable names ['w'], which are not initializers of the model")]
    public void Import_WithOptionsThatDoNotFit_FailsSayingWhich(string option, string value, string message)
    {
        var (exitCode, _, error) = Run("import", _model, "-o", GraphPath("graph.json"), "--shape", "x=4,3", option, value);

        Assert.Equal(CliApp.Failure, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_WithoutTheShapeOfASymbolicInput_AsksForIt()
    {
        var (exitCode, _, error) = Run("import", _model, "-o", GraphPath("graph.json"));

        Assert.Equal(CliApp.Failure, exitCode);
        Assert.Contains("input 'x' has symbolic dimensions [?, 3]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_OfAMissingOrMalformedFile_FailsNamingIt()
    {
        var missing = Path.Combine(_directory, "missing.onnx");
        var (exitCode, _, error) = Run("import", missing, "-o", GraphPath("graph.json"));
        Assert.Equal(CliApp.Failure, exitCode);
        Assert.StartsWith($"graphgrpc import: {missing}:", error, StringComparison.Ordinal);

        var text = Path.Combine(_directory, "text.onnx");
        File.WriteAllText(text, "not a model");
        (exitCode, _, error) = Run("import", text, "-o", GraphPath("graph.json"));
        Assert.Equal(CliApp.Failure, exitCode);
        Assert.Contains("is not an ONNX model", error, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = CliApp.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
