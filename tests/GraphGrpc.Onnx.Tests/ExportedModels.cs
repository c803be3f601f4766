using System.Text.Json;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Onnx.Tests;

/// <summary>
/// The models Models/make_models.py exports from torch modules (or builds with onnx.helper), made once
/// for the test run in a temporary directory, with torch's answers and the Python importer's graphs.
/// </summary>
public sealed class ExportedModels : IDisposable
{
    public ExportedModels()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("graphgrpc-onnx-models-").FullName;
        Repository.RunPython(Path.Combine(Repository.Root, "tests", "GraphGrpc.Onnx.Tests", "Models", "make_models.py"), Directory);
        Names = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(Directory, "cases.json")))!;
    }

    public string Directory { get; }

    /// <summary>Every case the script made.</summary>
    public IReadOnlyList<string> Names { get; }

    public string ModelPath(string name) => Path.Combine(Directory, $"{name}.onnx");

    public string PythonGraphPath(string name) => Path.Combine(Directory, $"{name}.python.json");

    public ExportedCase Case(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, $"{name}.json")));
        var root = json.RootElement;
        return new ExportedCase(
            ModelPath(name),
            Tensors(root.GetProperty("inputs")),
            [.. root.GetProperty("trainable").EnumerateArray().Select(t => t.GetString()!)],
            root.GetProperty("output").GetString()!,
            TensorOf(root.GetProperty("seed")),
            TensorOf(root.GetProperty("value")),
            Tensors(root.GetProperty("gradients")));
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static Dictionary<string, Tensor> Tensors(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => TensorOf(p.Value));

    private static Tensor TensorOf(JsonElement element) => new(
        [.. element.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())],
        [.. element.GetProperty("values").EnumerateArray().Select(v => v.GetDouble())]);
}

/// <summary>One exported model and torch's answers: its value at the inputs, and the vector-Jacobian products with the seed for every input and trainable initializer.</summary>
public sealed record ExportedCase(
    string ModelPath,
    IReadOnlyDictionary<string, Tensor> Inputs,
    IReadOnlyList<string> Trainable,
    string Output,
    Tensor Seed,
    Tensor Value,
    IReadOnlyDictionary<string, Tensor> Gradients);

/// <summary>The test classes that read the exported models share one run of the script.</summary>
[CollectionDefinition(Name)]
public sealed class ExportedModelsCollection : ICollectionFixture<ExportedModels>
{
    public const string Name = "exported models";
}
