using System.Text;

namespace GraphGrpc.Cli.Rendering;

/// <summary>Writes a drawing in Graphviz dot: ellipses for leaves, boxes for operations.</summary>
internal static class DotWriter
{
    public static string Write(GraphDrawing drawing)
    {
        var text = new StringBuilder("digraph graphgrpc {\n  rankdir=LR;\n");
        foreach (var node in drawing.Nodes)
        {
            var (shape, fill) = node.Kind switch
            {
                NodeKind.Input => ("ellipse", "#e3f2fd"),
                NodeKind.Constant => ("ellipse", "#f5f5f5"),
                NodeKind.Output => ("box", "#e8f5e9"),
                _ => ("box", "#fff3e0"),
            };
            text.Append($"  n{node.Slot} [label={Quote(string.Join("\n", node.Lines))}, shape={shape}, style=filled, fillcolor=\"{fill}\"];\n");
        }
        foreach (var edge in drawing.Edges)
        {
            var label = edge.Label is null ? "" : $" [label={Quote(edge.Label)}]";
            text.Append($"  n{edge.From} -> n{edge.To}{label};\n");
        }
        text.Append("}\n");
        return text.ToString();
    }

    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
