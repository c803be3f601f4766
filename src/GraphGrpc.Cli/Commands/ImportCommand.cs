using System.CommandLine;
using System.Globalization;
using GraphGrpc.Contracts;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Onnx;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// graphgrpc import MODEL.onnx -o GRAPH.json [--trainable NAME...|all] [--shape INPUT=D1,D2,...]: an
/// ONNX model as a graph file, through <see cref="OnnxImport"/>; the same command as the Python
/// package's <c>python3 -m graphgrpc import</c>, giving the same graph.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<FileInfo>("model") { Description = "The .onnx file." };
        var graphFile = new Option<FileInfo>("--output", "-o") { Description = "The graph file to write (JSON).", Required = true };
        var trainable = new Option<string[]>("--trainable")
        {
            Description = "Initializers to make input leaves, which get gradients; 'all' for every floating-point one. The others become constants.",
            AllowMultipleArgumentsPerToken = true,
        };
        var shapes = new Option<string[]>("--shape")
        {
            Description = "INPUT=D1,D2,...: the shape of an input whose dimensions the model leaves symbolic (its value is zeros). Repeat for several.",
        };
        var command = new Command("import", "Convert an ONNX model into a graph file.") { model, graphFile, trainable, shapes };
        command.SetAction(parsed =>
        {
            var modelPath = parsed.GetValue(model)!.ToString();
            var graphPath = parsed.GetValue(graphFile)!.ToString();
            var names = parsed.GetValue(trainable) ?? [];
            try
            {
                var options = new OnnxImportOptions
                {
                    Inputs = ZerosOfShapes(parsed.GetValue(shapes) ?? []),
                    AllTrainable = names is ["all"],
                    Trainable = names is ["all"] ? [] : names,
                };
                var graph = OnnxImport.FromFile(modelPath, options);
                File.WriteAllText(graphPath, GraphFiles.Format(graph) + "\n");
                output.WriteLine($"wrote {graphPath}: {graph.Nodes.Count} nodes");
                return 0;
            }
            catch (Exception e) when (e is UnsupportedOnnxException or ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                error.WriteLine($"graphgrpc import: {modelPath}: {e.Message}");
                return CliApp.Failure;
            }
        });
        return command;
    }

    private static Dictionary<string, Tensor> ZerosOfShapes(string[] shapes)
    {
        var inputs = new Dictionary<string, Tensor>();
        foreach (var text in shapes)
        {
            var separator = text.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new ArgumentException($"--shape takes INPUT=D1,D2,..., not '{text}'");
            }
            var dims = text[(separator + 1)..];
            try
            {
                int[] shape = dims.Length == 0 ? [] : [.. dims.Split(',').Select(d => int.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture))];
                inputs[text[..separator]] = Tensor.Zeros(shape);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new ArgumentException($"--shape takes INPUT=D1,D2,... with whole numbers, not '{text}'", e);
            }
        }
        return inputs;
    }
}
