using GraphGrpc.Engine.Tensors;
using Onnx;
using Proto = GraphGrpc.Contracts.V1;
using AttributeType = Onnx.AttributeProto.Types.AttributeType;

namespace GraphGrpc.Onnx.Internal.Converters;

/// <summary>Identity, Cast (every value is float64 here) and Constant, whose value is known before run time.</summary>
internal static class Values
{
    public static readonly string[] ConstantAttributes = ["value", "value_float", "value_floats", "value_int", "value_ints"];

    public static string? Identity(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes)
    {
        var input = importer.Required(node, 0);
        // A graph output needs a node of its own name; elsewhere the input itself serves.
        return importer.Outputs.Contains(output) ? Copy(importer, input, output) : input;
    }

    public static string? Cast(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes)
    {
        var to = (int)attributes.Int("to", 0);
        if (!OnnxTensors.FloatingTypes.Contains(to))
        {
            throw new UnsupportedOperandException($"to={OnnxTensors.TypeName(to)} (only floating types)");
        }
        return Identity(importer, output, node, attributes);
    }

    public static string? Constant(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes)
    {
        if (attributes.Count != 1)
        {
            throw new UnsupportedOperandException($"{attributes.Count} attributes; a Constant has one of {string.Join(", ", ConstantAttributes)}");
        }
        var attribute = attributes.Get(attributes.Names.Single())!;
        // The value is known from here on; it becomes a leaf only where an op takes it as an operand.
        importer.Define(output, attribute.Type switch
        {
            AttributeType.Tensor => importer.Read(attribute.T),
            AttributeType.Float => Tensor.Scalar(attribute.F),
            AttributeType.Int => Tensor.Scalar(attribute.I),
            AttributeType.Floats => new Tensor([attribute.Floats.Count], [.. attribute.Floats.Select(f => (double)f)]),
            AttributeType.Ints => new Tensor([attribute.Ints.Count], [.. attribute.Ints.Select(i => (double)i)]),
            _ => throw new UnsupportedOperandException($"a {attribute.Type} value"),
        });
        return null;
    }

    /// <summary>The input under a new id: x * 1, as the Python importer spells a copy.</summary>
    public static string Copy(ModelImporter importer, string input, string output)
    {
        var one = importer.Graph.Number(1.0);
        return importer.Graph.Op(new Proto.Node { Mul = new() }, output, input, one);
    }
}
