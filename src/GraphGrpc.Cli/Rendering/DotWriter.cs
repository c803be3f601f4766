using System.Text;

namespace GraphGrpc.Cli.Rendering;

/// <summary>Writes a drawing in Graphviz dot: ellipses for leaves, boxes for operations.</summary>
internal static class DotWriter
{
    public static string Write(GraphDrawing drawing)
    {
        var text = new StringBuilder("digraph graphgrpc {\n  rankdir=LR;\n");
        foreach (var note in drawing.Notes)
        {
            text.Append($"  // {note}\n");
        }
        foreach (var node in drawing.Nodes)
        {
            var (shape, fill) = node.Kind switch
            {
                NodeKind.Input => ("ellipse", "#e3f2fd"),
                NodeKind.Constant => ("ellipse", "#f5f5f5"),
                NodeKind.Output => ("box", "#e8f5e9"),
                _ => ("box", "#fff3e0"),
            };
            var highlight = node.Highlighted ? ", color=\"#d32f2f\", penwidth=3" : "";
            text.Append($"  n{node.Slot} [label={Quote(string.Join("\n", node.Lines))}, shape={shape}, style=filled, fillcolor=\"{fill}\"{highlight}];\n");
        }
        foreach (var edge in drawing.Edges)
        {
            var attributes = new List<string>();
            if (edge.Label is not null)
            {
                attributes.Add($"label={Quote(edge.Label)}");
            }
            if (edge.Highlighted)
            {
                attributes.Add("color=\"#d32f2f\", penwidth=3");
            }
            text.Append($"  n{edge.From} -> n{edge.To}{(attributes.Count == 0 ? "" : $" [{string.Join(", ", attributes)}]")};\n");
        }
        text.Append("}\n");
        return text.ToString();
    }

    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
