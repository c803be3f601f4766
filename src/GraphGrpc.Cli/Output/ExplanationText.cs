using System.Globalization;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Cli.Output;

/// <summary>An ExplainResponse as lines a person reads: the gradient, its top paths, the remainder and the fork/join blocks.</summary>
internal static class ExplanationText
{
    public static void Write(Proto.ExplainResponse explanation, TextWriter output)
    {
        output.WriteLine($"d{explanation.Output}/d{explanation.Wrt} = {Format(explanation.Total)}  ({explanation.PathCount} path{(explanation.PathCount == "1" ? "" : "s")})");
        if (explanation.Paths.Count > 0)
        {
            output.WriteLine($"top {explanation.Paths.Count} by |contribution|{(explanation.RankingExact ? "" : " (ranked by a beam search: tensor nodes)")}:");
            foreach (var path in explanation.Paths)
            {
                output.WriteLine($"  {Format(path.Contribution),-24} {string.Join(" -> ", path.NodeIds)}");
            }
            output.WriteLine($"  {Format(explanation.Remainder),-24} the other paths together");
        }
        foreach (var block in explanation.Blocks)
        {
            output.WriteLine($"block {block.ForkId} .. {block.JoinId}: {block.PathCount} paths, local gradient {Format(block.Local)}");
        }
    }

    /// <summary>A scalar as its shortest round-trip form; a tensor as its shape and first values.</summary>
    private static string Format(Proto.Tensor tensor)
    {
        var values = tensor.Raw.IsEmpty ? [.. tensor.Values] : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(tensor.Raw.Span).ToArray();
        var shown = string.Join(", ", values.Take(4).Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        return tensor.Shape.Count == 0 ? shown : $"[{string.Join("x", tensor.Shape)}] {shown}{(values.Length > 4 ? ", …" : "")}";
    }
}
