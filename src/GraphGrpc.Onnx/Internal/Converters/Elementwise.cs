using Onnx;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Onnx.Internal.Converters;

/// <summary>ONNX's elementwise ops, which broadcast as graphgrpc's do, and MatMul, which takes its operands the same way.</summary>
internal static class Elementwise
{
    public static OnnxConverter Binary(Func<Proto.Node> op) => (importer, output, node, _) =>
        importer.Graph.Op(op(), output, importer.Required(node, 0), importer.Required(node, 1));

    public static OnnxConverter Unary(Func<Proto.Node> op) => (importer, output, node, _) =>
        importer.Graph.Op(op(), output, importer.Required(node, 0));

    /// <summary>Max and Min take any number of operands: a chain of pairs, the last named after the output.</summary>
    public static OnnxConverter Variadic(Func<Proto.Node> op) => (importer, output, node, _) =>
    {
        var operands = Enumerable.Range(0, node.Input.Count).Select(i => importer.Required(node, i)).ToList();
        if (operands.Count == 0)
        {
            throw new UnsupportedOperandException("no inputs");
        }
        if (operands.Count == 1)
        {
            return Values.Copy(importer, operands[0], output);
        }
        var result = operands[0];
        for (var i = 1; i < operands.Count; i++)
        {
            result = importer.Graph.Op(op(), i == operands.Count - 1 ? output : $"{output}.{i}", result, operands[i]);
        }
        return result;
    };

    public static string? Pow(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes)
    {
        if (node.Input.Count > 1 && importer.Known(node.Input[1]) is { Rank: 0 } exponent)
        {
            // A constant scalar exponent is an attribute, as torch's x ** 2 is: no gradient flows to it.
            return importer.Graph.Op(new Proto.Node { Pow = new Proto.Pow { Exponent = exponent.Data[0] } }, output, importer.Required(node, 0));
        }
        return importer.Graph.Op(new Proto.Node { Pow = new Proto.Pow() }, output, importer.Required(node, 0), importer.Required(node, 1));
    }
}
