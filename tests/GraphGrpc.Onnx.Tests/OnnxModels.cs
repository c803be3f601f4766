using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace GraphGrpc.Onnx.Tests;

/// <summary>Small ONNX models written out with the generated messages, as onnx.helper would make them.</summary>
internal static class OnnxModels
{
    /// <summary>A model of float64 inputs (a null dimension is symbolic) whose output is y, of float64 unless told.</summary>
    public static ModelProto Model(IEnumerable<NodeProto> nodes, IEnumerable<(string Name, long?[] Dims)> inputs,
        IEnumerable<TensorProto>? initializers = null, long opset = 14, string output = "y", DataType outputType = DataType.Double)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Node.Add(nodes);
        graph.Input.Add(inputs.Select(i => Value(i.Name, i.Dims)));
        graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)outputType } } });
        graph.Initializer.Add(initializers ?? []);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static NodeProto Node(string opType, string[] inputs, string output, string name = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static TensorProto Doubles(string name, long[] dims, params double[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Double };
        tensor.Dims.Add(dims);
        tensor.DoubleData.Add(values);
        return tensor;
    }

    /// <summary>Writes a model to a temporary file for one test and returns its path.</summary>
    public static string Write(ModelProto model)
    {
        var path = Path.Combine(Path.GetTempPath(), $"graphgrpc-onnx-test-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static ValueInfoProto Value(string name, long?[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(dims.Select(d => d is { } size
            ? new TensorShapeProto.Types.Dimension { DimValue = size }
            : new TensorShapeProto.Types.Dimension { DimParam = "N" }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Double, Shape = shape } },
        };
    }
}
