using Onnx;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Onnx.Internal.Converters;

/// <summary>Transpose, Reshape and Flatten: the same data with its axes permuted or regrouped.</summary>
internal static class Movement
{
    public static string? Transpose(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes)
    {
        var transpose = new Proto.Transpose();
        transpose.Perm.Add(attributes.Ints("perm")?.Select(p => checked((int)p)) ?? []);
        return importer.Graph.Op(new Proto.Node { Transpose = transpose }, output, importer.Required(node, 0));
    }

    public static string? Reshape(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes)
    {
        var shapeName = node.Input.Count > 1 ? node.Input[1] : "";
        var known = importer.Known(shapeName)
            ?? throw new UnsupportedOperandException($"a shape computed at run time ('{shapeName}'); it must be a constant or an initializer");
        var shape = known.Data.Select(s => (long)s).ToArray();
        if (attributes.Int("allowzero", 0) == 0 && shape.Contains(0))
        {
            // ONNX: a 0 copies the input's dimension there.
            var inputShape = importer.Shape(node.Input[0]);
            shape = [.. shape.Select((s, axis) => s == 0 ? inputShape[axis] : s)];
        }
        return ReshapeTo(importer, output, node, shape);
    }

    public static string? Flatten(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes)
    {
        var shape = importer.Shape(node.Input[0]);
        var axis = (int)attributes.Int("axis", 1);
        axis = axis < 0 ? axis + shape.Length : axis;
        long Product(IEnumerable<int> dims) => dims.Aggregate(1L, (product, d) => product * d);
        return ReshapeTo(importer, output, node, [Product(shape.Take(axis)), Product(shape.Skip(axis))]);
    }

    private static string ReshapeTo(ModelImporter importer, string output, NodeProto node, long[] shape)
    {
        var reshape = new Proto.Reshape();
        reshape.Shape.Add(shape);
        return importer.Graph.Op(new Proto.Node { Reshape = reshape }, output, importer.Required(node, 0));
    }
}
