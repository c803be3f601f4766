using Google.Protobuf;
using GraphGrpc.Contracts;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using Onnx;

namespace GraphGrpc.Onnx.Tests;

/// <summary>
/// Models exported by torch.onnx.export (an MLP, a softmax classifier and one small model per op) and
/// a few built with onnx.helper for what torch does not export: imported and evaluated by the engine,
/// they give torch's values and vector-Jacobian products, and the same graph as the Python importer.
/// </summary>
[Collection(ExportedModelsCollection.Name)]
public sealed class ExportedModelTests(ExportedModels models)
{
    /// <summary>The cases make_models.py writes; a test checks that the two lists agree.</summary>
    public static TheoryData<string> Cases => new(
        "mlp", "softmax_classifier",
        "add_sub_mul_div", "pow_tensor_and_scalar", "max_min", "unary", "matmul", "gemm_alpha_beta", "transpose",
        "reshape", "flatten", "reduce_sum", "reduce_mean", "softmax", "log_softmax", "constant", "softmax_opset_11",
        "identity_cast_variadic", "gemm_transposed_without_c", "gemm_trainable_initializers", "reduce_attributes_opset_11",
        "reduce_noop_with_empty_axes", "reshape_copying_a_dimension_and_flatten_axes", "constant_floats_and_pow");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ImportedModel_EvaluatedWithTheSeed_GivesTorchsValueAndGradients(string name)
    {
        var exported = models.Case(name);
        var graph = OnnxImport.FromFile(exported.ModelPath, new OnnxImportOptions { Inputs = exported.Inputs, Trainable = exported.Trainable });

        var compilation = GraphCompiler.Compile(graph);
        Assert.True(compilation.IsValid, string.Join("; ", compilation.Problems));
        var result = Evaluator.Evaluate(compilation.Plan!, new EvaluationRequest
        {
            Outputs = [exported.Output],
            Wrt = [.. exported.Gradients.Keys],
            Seeds = new Dictionary<string, Engine.Tensors.Tensor> { [exported.Output] = exported.Seed },
        });

        TensorAssert.Close(exported.Value, result.ValueOf(exported.Output), $"{name}: {exported.Output}");
        foreach (var (leaf, gradient) in exported.Gradients)
        {
            TensorAssert.Close(gradient, result.GradientOf(leaf), $"{name}: gradient of {leaf}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ImportedModel_IsTheGraphThePythonImporterMakes(string name)
    {
        var exported = models.Case(name);

        var graph = OnnxImport.FromFile(exported.ModelPath, new OnnxImportOptions { Inputs = exported.Inputs, Trainable = exported.Trainable });

        var python = GraphFiles.Read(models.PythonGraphPath(name));
        Assert.Equal(python.Nodes.Select(n => n.Id), graph.Nodes.Select(n => n.Id));
        Assert.Equal(python, graph);
    }

    [Fact]
    public void Mlp_WithEveryInitializerTrainable_HasItsParametersAsInputLeaves()
    {
        var graph = OnnxImport.FromFile(models.ModelPath("mlp"), new OnnxImportOptions { AllTrainable = true });

        string[] parameters = ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias"];
        Assert.Equal(["x0", .. parameters], graph.Nodes.Where(n => n.Input is not null).Select(n => n.Id));
        Assert.DoesNotContain(graph.Nodes, n => n.Constant is not null && parameters.Contains(n.Id));
    }

    [Fact]
    public void Mlp_WithoutTrainable_HasItsParametersAsConstants()
    {
        var graph = OnnxImport.FromFile(models.ModelPath("mlp"));

        Assert.Equal(["x0"], graph.Nodes.Where(n => n.Input is not null).Select(n => n.Id));
        Assert.Equal(6, graph.Nodes.Count(n => n.Constant is not null && n.Id.StartsWith("layers.", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheCases_AreTheOnesTheScriptMakes()
    {
        Assert.Equal(models.Names.Order(StringComparer.Ordinal), ((IEnumerable<object[]>)Cases).Select(row => (string)row[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheCases_HoldEverySupportedOp()
    {
        var held = models.Names
            .SelectMany(name => ModelProto.Parser.ParseFrom(File.ReadAllBytes(models.ModelPath(name))).Graph.Node.Select(n => n.OpType))
            .ToHashSet();

        Assert.Equal(OnnxImport.SupportedOps.Order(StringComparer.Ordinal), held.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Initializers_SavedAsExternalData_AreReadFromBesideTheModel()
    {
        var path = Path.Combine(models.Directory, "mlp_external_data.onnx");
        Assert.All(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer,
            t => Assert.Equal(TensorProto.Types.DataLocation.External, t.DataLocation));
        var everyInitializer = new OnnxImportOptions { AllTrainable = true };

        var graph = OnnxImport.FromFile(path, everyInitializer);

        Assert.Equal(OnnxImport.FromFile(models.ModelPath("mlp"), everyInitializer), graph);
        Assert.Equal(GraphFiles.Read(Path.Combine(models.Directory, "mlp_external_data.python.json")), graph);
        var error = Assert.Throws<UnsupportedOnnxException>(() => OnnxImport.FromBytes(File.ReadAllBytes(path)));
        Assert.Equal("initializer 'layers.0.weight': cannot take tensor 'layers.0.weight' keeps its data in an external file; import the model from its file", error.Message);
    }

    [Fact]
    public void FromBytes_GivesWhatFromFileGives()
    {
        var path = models.ModelPath("softmax_classifier");

        Assert.Equal(OnnxImport.FromFile(path), OnnxImport.FromBytes(File.ReadAllBytes(path)));
        Assert.Equal(OnnxImport.FromFile(path), OnnxImport.FromModel(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path))));
    }
}
