using System.Globalization;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Cli.Rendering;

/// <summary>What a drawing shows, independent of the drawing language: labelled nodes and edges.</summary>
internal sealed record GraphDrawing(IReadOnlyList<DrawnNode> Nodes, IReadOnlyList<DrawnEdge> Edges)
{
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
                edges.Add(new DrawnEdge(plan.Inputs[slot][k], slot, share is null ? null : Format(share)));
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

/// <summary>A node of the drawing: its slot, the lines of its label, and its kind, which picks its style.</summary>
internal sealed record DrawnNode(int Slot, IReadOnlyList<string> Lines, NodeKind Kind);

/// <summary>An edge in the direction data flows, labelled with the gradient that flowed back along it.</summary>
internal sealed record DrawnEdge(int From, int To, string? Label);
