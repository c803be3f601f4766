using System.Text;

namespace GraphGrpc.Cli.Rendering;

/// <summary>Writes a drawing as a Mermaid flowchart, styled as seed 001 styles its graphs.</summary>
internal static class MermaidWriter
{
    public static string Write(GraphDrawing drawing)
    {
        var text = new StringBuilder("flowchart LR\n");
        foreach (var note in drawing.Notes)
        {
            text.Append($"  %% {note}\n");
        }
        foreach (var node in drawing.Nodes)
        {
            var label = Quote(string.Join("<br/>", node.Lines));
            var shape = node.Kind is NodeKind.Input or NodeKind.Constant ? $"(({label}))" : $"[{label}]";
            text.Append($"  n{node.Slot}{shape}:::{node.Kind.ToString().ToLowerInvariant()}\n");
        }
        foreach (var edge in drawing.Edges)
        {
            // A highlighted edge is drawn thick (==>); linkStyle below colours it.
            var line = edge.Highlighted ? "==>" : "-->";
            var arrow = edge.Label is null ? line : $"{line}|{Quote(edge.Label)}|";
            text.Append($"  n{edge.From} {arrow} n{edge.To}\n");
        }
        var highlighted = drawing.Edges.Select((edge, index) => (edge, index)).Where(e => e.edge.Highlighted).Select(e => e.index).ToList();
        if (highlighted.Count > 0)
        {
            text.Append($"  linkStyle {string.Join(",", highlighted)} stroke:#d32f2f,stroke-width:3px\n");
        }
        foreach (var node in drawing.Nodes.Where(node => node.Highlighted))
        {
            text.Append($"  style n{node.Slot} stroke:#d32f2f,stroke-width:3px\n");
        }
        text.Append("  classDef input fill:#e3f2fd,stroke:#1976d2,stroke-width:2px\n");
        text.Append("  classDef constant fill:#f5f5f5,stroke:#757575\n");
        text.Append("  classDef intermediate fill:#fff3e0,stroke:#f57c00,stroke-width:2px\n");
        text.Append("  classDef output fill:#e8f5e9,stroke:#388e3c,stroke-width:2px\n");
        return text.ToString();
    }

    private static string Quote(string text) => "\"" + text.Replace("\"", "#quot;", StringComparison.Ordinal) + "\"";
}
