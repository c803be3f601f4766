using Onnx;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Onnx.Internal.Converters;

/// <summary>Gemm, alpha·A'·B' + beta·C, spelled in graphgrpc's ops; the last op made is named after the output.</summary>
internal static class LinearAlgebra
{
    public static string? Gemm(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes)
    {
        var graph = importer.Graph;
        var a = importer.Required(node, 0);
        var b = importer.Required(node, 1);
        var c = importer.Operand(node, 2);
        var alpha = attributes.Float("alpha", 1.0);
        var beta = attributes.Float("beta", 1.0);
        if (attributes.Int("transA", 0) != 0)
        {
            a = graph.Op(new Proto.Node { Transpose = new() }, $"{output}.A_T", a);
        }
        if (attributes.Int("transB", 0) != 0)
        {
            b = graph.Op(new Proto.Node { Transpose = new() }, $"{output}.B_T", b);
        }
        var scaled = alpha != 1.0;
        var product = graph.Op(new Proto.Node { Matmul = new() }, c is null && !scaled ? output : $"{output}.matmul", a, b);
        if (scaled)
        {
            var factor = graph.Number(alpha);
            product = graph.Op(new Proto.Node { Mul = new() }, c is null ? output : $"{output}.alpha", product, factor);
        }
        if (c is null)
        {
            return product;
        }
        if (beta != 1.0)
        {
            var factor = graph.Number(beta);
            c = graph.Op(new Proto.Node { Mul = new() }, $"{output}.beta", c, factor);
        }
        return graph.Op(new Proto.Node { Add = new() }, output, product, c);
    }
}
