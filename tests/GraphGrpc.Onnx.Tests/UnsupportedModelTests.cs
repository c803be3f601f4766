using System.Text.Json;
using Google.Protobuf;
using Onnx;
using static GraphGrpc.Onnx.Tests.OnnxModels;

namespace GraphGrpc.Onnx.Tests;

/// <summary>
/// What the importer cannot map fails naming the ONNX node, its op type and what is supported, with
/// the Python importer's words; options that do not fit the model say which and why.
/// </summary>
public sealed class UnsupportedModelTests
{
    private static readonly (string Name, long?[] Dims)[] Matrix = [("x", [2, 3])];

    private static readonly string Supported = string.Join(", ", OnnxImport.SupportedOps);

    /// <summary>Models that fail, and the message each gives (the Python importer's, after its "from_onnx: ").</summary>
    public static TheoryData<string, string> Failures => new()
    {
        { "unsupported_op", $"node 'conv1' (Conv, output 'y'): the op Conv is not supported. Supported: {Supported}" },
        { "other_domain", $"node 'gelu' (Gelu, output 'y'): the op com.microsoft.Gelu is not supported. Supported: {Supported}" },
        { "unnamed_node", $"node 1 (Erf, output 'y'): the op Erf is not supported. Supported: {Supported}" },
        { "attribute_of_an_op_without_any", "node 'relu' (Relu, output 'y'): the attribute(s) alpha are not supported; Relu takes no attributes" },
        { "unknown_attribute", "node 'gemm' (Gemm, output 'y'): the attribute(s) broadcast, gamma are not supported; Gemm takes alpha, beta, transA, transB" },
        { "softmax_axis_before_opset_13", "node 'softmax' (Softmax, output 'y'): cannot take axis=0 of a rank-2 input before opset 13 (only the last axis)" },
        { "cast_to_an_integer", "node 'cast' (Cast, output 'y'): cannot take to=INT64 (only floating types)" },
        { "shape_computed_at_run_time", "node 'reshape' (Reshape, output 'y'): cannot take a shape computed at run time ('s'); it must be a constant or an initializer" },
        { "unknown_operand", "node 'add' (Add, output 'y'): cannot take the operand 'ghost', which no earlier node, input or initializer gives" },
        { "output_unchanged", "the model's outputs ['b'] are its inputs or initializers unchanged; there is nothing to evaluate" },
    };

    private static ModelProto Failing(string name) => name switch
    {
        "unsupported_op" => Model([Node("Relu", ["x"], "r", "relu"), Node("Conv", ["r"], "y", "conv1")], Matrix),
        "other_domain" => WithDomain(Model([Node("Gelu", ["x"], "y", "gelu")], Matrix), "com.microsoft"),
        "unnamed_node" => Model([Node("Exp", ["x"], "e"), Node("Erf", ["e"], "y")], Matrix),
        "attribute_of_an_op_without_any" => Model([Node("Relu", ["x"], "y", "relu", Float("alpha", 0.1f))], Matrix),
        "unknown_attribute" => Model(
            [Node("Gemm", ["x", "x"], "y", "gemm", Int("transB", 1), Float("gamma", 2), Int("broadcast", 1))], Matrix),
        "softmax_axis_before_opset_13" => Model([Node("Softmax", ["x"], "y", "softmax", Int("axis", 0))], Matrix, opset: 11),
        "cast_to_an_integer" => Model([Node("Cast", ["x"], "y", "cast", Int("to", (long)TensorProto.Types.DataType.Int64))], Matrix,
            outputType: TensorProto.Types.DataType.Int64),
        "shape_computed_at_run_time" => Model([Node("Reshape", ["x", "s"], "y", "reshape")], [.. Matrix, ("s", [2])]),
        "unknown_operand" => Model([Node("Add", ["x", "ghost"], "y", "add")], Matrix),
        "output_unchanged" => Model([Node("Exp", ["x"], "e", "exp")], Matrix, [Doubles("b", [3], 1, 2, 3)], output: "b"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Import_OfWhatCannotBeMapped_FailsSayingWhereAndWhy(string name, string message)
    {
        var error = Assert.Throws<UnsupportedOnnxException>(() => OnnxImport.FromModel(Failing(name)));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void PythonImporter_FailsWithTheSameWords()
    {
        var names = ((IEnumerable<object[]>)Failures).Select(row => (string)row[0]).ToList();
        var paths = names.Select(name => Write(Failing(name))).ToList();
        try
        {
            var script = """
                import json, sys
                from graphgrpc import from_onnx
                messages = []
                for path in sys.argv[1:]:
                    try:
                        from_onnx(path)
                        messages.append(None)
                    except Exception as error:
                        messages.append(str(error))
                print(json.dumps(messages))
                """;
            var python = JsonSerializer.Deserialize<string?[]>(Repository.RunPython(["-c", script, .. paths]))!;

            var dotnet = paths.Select(path => "from_onnx: " + Assert.Throws<UnsupportedOnnxException>(() => OnnxImport.FromFile(path)).Message);
            Assert.Equal(python, dotnet);
        }
        finally
        {
            paths.ForEach(File.Delete);
        }
    }

    [Fact]
    public void Trainable_NamingNoInitializer_FailsNamingIt()
    {
        var model = Model([Node("Add", ["x", "b"], "y", "add")], Matrix, [Doubles("b", [3], 1, 2, 3)]);

        var error = Assert.Throws<ArgumentException>(() => OnnxImport.FromModel(model, new OnnxImportOptions { Trainable = ["b", "w"] }));

        Assert.StartsWith("trainable names ['w'], which are not initializers of the model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inputs_NamingNoGraphInput_FailsNamingWhatTheModelTakes()
    {
        var model = Model([Node("Exp", ["x"], "y", "exp")], Matrix);

        var error = Assert.Throws<ArgumentException>(() => OnnxImport.FromModel(model, new OnnxImportOptions
        {
            Inputs = new Dictionary<string, Engine.Tensors.Tensor> { ["z"] = Engine.Tensors.Tensor.Zeros([2, 3]) },
        }));

        Assert.StartsWith("inputs names ['z'], which the model does not take (it takes ['x'])", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SymbolicDimension_WithoutAValue_FailsAskingForOne()
    {
        var model = Model([Node("Exp", ["x"], "y", "exp")], [("x", [null, 3])]);

        var error = Assert.Throws<ArgumentException>(() => OnnxImport.FromModel(model));

        Assert.StartsWith("input 'x' has symbolic dimensions [?, 3]; give its value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SymbolicDimension_FixedByAValue_ShapesTheGraph()
    {
        var model = Model([Node("Flatten", ["x"], "y", "flatten")], [("x", [null, 3, 2])]);

        var graph = OnnxImport.FromModel(model, new OnnxImportOptions
        {
            Inputs = new Dictionary<string, Engine.Tensors.Tensor> { ["x"] = Engine.Tensors.Tensor.Zeros([5, 3, 2]) },
        });

        Assert.Equal([5L, 6L], graph.Nodes.Single(n => n.Id == "y").Reshape.Shape);
    }

    [Fact]
    public void InputValue_OfAnotherShape_FailsGivingBoth()
    {
        var model = Model([Node("Exp", ["x"], "y", "exp")], [("x", [null, 3])]);

        var error = Assert.Throws<ArgumentException>(() => OnnxImport.FromModel(model, new OnnxImportOptions
        {
            Inputs = new Dictionary<string, Engine.Tensors.Tensor> { ["x"] = Engine.Tensors.Tensor.Zeros([4, 2]) },
        }));

        Assert.StartsWith("input 'x' is declared [?, 3], but the value given is [4, 2]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_ThatAreNoModel_FailAsInvalidData()
    {
        var error = Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes("not a model"u8));

        Assert.Contains("is not an ONNX model", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The model's first node in another domain, which the model declares (as a valid model must).</summary>
    private static ModelProto WithDomain(ModelProto model, string domain)
    {
        model.Graph.Node[0].Domain = domain;
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = 1 });
        return model;
    }
}
