using System.Globalization;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Explanation;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Cli.Rendering;

/// <summary>What a drawing shows, independent of the drawing language: labelled nodes and edges.</summary>
internal sealed record GraphDrawing(IReadOnlyList<DrawnNode> Nodes, IReadOnlyList<DrawnEdge> Edges)
{
    /// <summary>Lines said about the drawing as a whole (the explained gradient and its top paths), as comments.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// The graph with a gradient explained on it: every edge between the output and the wrt node labelled with
    /// its local gradient, and the top paths highlighted, each edge saying which of them pass along it.
    /// </summary>
    public static GraphDrawing Explained(Plan plan, GradientExplanation explanation)
    {
        var drawing = Of(plan, null);
        var locals = explanation.Edges.ToDictionary(e => (plan.SlotOf(e.ConsumerId), e.Operand), e => e.Local);
        var ranks = new Dictionary<(int Consumer, int Operand), List<int>>();
        var onTopPaths = new HashSet<int>();
        for (var p = 0; p < explanation.TopPaths.Count; p++)
        {
            var path = explanation.TopPaths[p];
            for (var i = 0; i < path.Operands.Count; i++)
            {
                var edge = (plan.SlotOf(path.NodeIds[i]), path.Operands[i]);
                if (!ranks.TryGetValue(edge, out var list))
                {
                    ranks[edge] = list = [];
                }
                list.Add(p + 1);
            }
            onTopPaths.UnionWith(path.NodeIds.Select(plan.SlotOf));
        }
        var edges = drawing.Edges.Select(edge =>
        {
            var key = (edge.To, edge.Operand);
            if (!locals.TryGetValue(key, out var local))
            {
                return edge;
            }
            var label = $"∂ {Format(local)}" + (ranks.TryGetValue(key, out var list) ? $" · path {string.Join(", ", list)}" : "");
            return edge with { Label = label, Highlighted = list is not null };
        }).ToList();
        var nodes = drawing.Nodes.Select(node => onTopPaths.Contains(node.Slot) ? node with { Highlighted = true } : node).ToList();
        var notes = new List<string>
        {
            $"d{explanation.Output}/d{explanation.Wrt} = {Format(explanation.Total)} over {explanation.PathCount} path{(explanation.PathCount == 1 ? "" : "s")}",
        };
        notes.AddRange(explanation.TopPaths.Select((path, p) => $"path {p + 1}: {string.Join(" -> ", path.NodeIds)} contributes {Format(path.Contribution)}"));
        if (explanation.PathCount > explanation.TopPaths.Count)
        {
            var others = explanation.PathCount - explanation.TopPaths.Count;
            notes.Add(others == 1 ? $"the other path contributes {Format(explanation.Remainder)}" : $"the other {others} paths contribute {Format(explanation.Remainder)}");
        }
        return new GraphDrawing(nodes, edges) { Notes = notes };
    }

    /// <summary>
    /// The graph as the seeds draw it: data flowing from leaves to outputs. With an evaluation, each
    /// node shows its value and gradient, and each edge the gradient that flowed back along it, so
    /// the shares that meet at a fork visibly sum to the node's gradient.
    /// </summary>
    public static GraphDrawing Of(Plan plan, EvaluationResult? evaluation)
    {
        var nodes = new List<DrawnNode>(plan.Count);
        var edges = new List<DrawnEdge>();
        var outputs = evaluation?.Request.Outputs.Select(plan.SlotOf).ToHashSet() ?? [.. plan.Sinks];
        for (var slot = 0; slot < plan.Count; slot++)
        {
            var lines = new List<string> { plan.Ops[slot] is LeafOp ? plan.Ids[slot] : $"{plan.Ids[slot]}: {plan.Ops[slot].Name}" };
            if (evaluation is not null)
            {
                lines.Add($"= {Format(evaluation.Values[slot])}");
                if (evaluation.Gradients[slot] is { } gradient)
                {
                    lines.Add($"∂ {Format(gradient)}");
                }
            }
            nodes.Add(new DrawnNode(slot, lines, KindOf(plan, slot, outputs)));
            for (var k = 0; k < plan.Inputs[slot].Length; k++)
            {
                var share = evaluation?.EdgeGradients?[slot]?[k];
                edges.Add(new DrawnEdge(plan.Inputs[slot][k], slot, k, share is null ? null : Format(share)));
            }
        }
        return new GraphDrawing(nodes, edges);
    }

    private static NodeKind KindOf(Plan plan, int slot, HashSet<int> outputs) => plan.Ops[slot] switch
    {
        LeafOp { IsVariable: true } => NodeKind.Input,
        LeafOp => NodeKind.Constant,
        _ when outputs.Contains(slot) => NodeKind.Output,
        _ => NodeKind.Intermediate,
    };

    /// <summary>Short enough for a label: six significant digits, and a tensor's first elements.</summary>
    private static string Format(Tensor tensor)
    {
        const int shown = 4;
        static string Number(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
        if (tensor.Rank == 0)
        {
            return Number(tensor.Data[0]);
        }
        var head = string.Join(", ", tensor.Data.Take(shown).Select(Number));
        return $"{Shapes.Format(tensor.Shape)} [{head}{(tensor.Length > shown ? ", …" : "")}]";
    }
}

internal enum NodeKind
{
    Input,
    Constant,
    Intermediate,
    Output,
}

/// <summary>A node of the drawing: its slot, the lines of its label, and its kind, which picks its style; highlighted when on an explained top path.</summary>
internal sealed record DrawnNode(int Slot, IReadOnlyList<string> Lines, NodeKind Kind, bool Highlighted = false);

/// <summary>
/// An edge in the direction data flows, into operand <paramref name="Operand"/> of its consumer, labelled with
/// the gradient that flowed back along it (or its local gradient); highlighted when on an explained top path.
/// </summary>
internal sealed record DrawnEdge(int From, int To, int Operand, string? Label, bool Highlighted = false);
