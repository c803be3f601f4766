namespace GraphGrpc.Onnx.Tests;

/// <summary>
/// The Go importer (src/clients/go/onnx, through its onnximport command) gives the graph OnnxImport
/// gives, for every exported model; and its checked-in onnx.proto stubs are what generate.sh makes.
/// </summary>
[Collection(ExportedModelsCollection.Name)]
public sealed class GoImporterTests(ExportedModels models, GoImporterTests.Command command) : IClassFixture<GoImporterTests.Command>
{
    private static readonly string GoSources = Path.Combine(Repository.Root, "src", "clients", "go");

    [Theory]
    [MemberData(nameof(ExportedModelTests.Cases), MemberType = typeof(ExportedModelTests))]
    public void GoImport_OfAnExportedModel_IsTheGraphOfOnnxImport(string name)
    {
        var exported = models.Case(name);
        var graphPath = Path.Combine(models.Directory, $"{name}.go.json");
        string[] shapes = [.. exported.Inputs.SelectMany(i => new[] { "-shape", $"{i.Key}={string.Join(',', i.Value.Shape)}" })];
        string[] trainable = exported.Trainable.Count > 0 ? ["-trainable", string.Join(',', exported.Trainable)] : [];

        var printed = Repository.Run(command.Path, ["-o", graphPath, .. shapes, .. trainable, exported.ModelPath]);

        var expected = OnnxImport.FromFile(exported.ModelPath, new OnnxImportOptions
        {
            Inputs = exported.Inputs.ToDictionary(i => i.Key, i => Engine.Tensors.Tensor.Zeros(i.Value.Shape)),
            Trainable = exported.Trainable,
        });
        Assert.Equal($"wrote {graphPath}: {expected.Nodes.Count} nodes\n", printed);
        Assert.Equal(expected, Contracts.GraphFiles.Read(graphPath));
    }

    [Fact]
    public void GoImport_ReadsInitializersSavedAsExternalData()
    {
        var model = Path.Combine(models.Directory, "mlp_external_data.onnx");
        var graphPath = Path.Combine(models.Directory, "mlp_external_data.go.json");

        Repository.Run(command.Path, ["-o", graphPath, "-trainable", "all", model]);

        Assert.Equal(OnnxImport.FromFile(model, new OnnxImportOptions { AllTrainable = true }), Contracts.GraphFiles.Read(graphPath));
    }

    [Fact]
    public void CheckedInOnnxStubs_AreWhatGenerateShMakes()
    {
        using var generated = new TemporaryDirectory();
        Repository.Run("bash", [Path.Combine(GoSources, "generate.sh"), Path.Combine(generated.Path, "v1"), Path.Combine(generated.Path, "onnx")]);

        Assert.True(
            File.ReadAllBytes(Path.Combine(generated.Path, "onnx", "onnx.pb.go")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(GoSources, "onnx", "onnx.pb.go"))),
            "src/clients/go/onnx/onnx.pb.go differs from what protoc generates from protos/onnx/onnx.proto; run src/clients/go/generate.sh");
    }

    /// <summary>onnximport, built once with Debian's Go in GOPATH mode by tests/setup/build-go-command.sh.</summary>
    public sealed class Command : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();

        public Command()
        {
            Path = System.IO.Path.Combine(_directory.Path, "onnximport");
            Repository.Run("bash", [System.IO.Path.Combine(Repository.Root, "tests", "setup", "build-go-command.sh"),
                System.IO.Path.Combine(GoSources, "onnx", "cmd", "onnximport", "main.go"), Path]);
        }

        public string Path { get; }

        public void Dispose() => _directory.Dispose();
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("graphgrpc-onnx-go-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
