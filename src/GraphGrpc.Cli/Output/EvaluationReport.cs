using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Tensors;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Cli.Output;

/// <summary>One node's line in the report.</summary>
/// <summary>One node's line in the report; <see cref="Tangent"/> is set when tangents were given.</summary>
internal sealed record NodeReport(string Id, string Op, int[] Shape, Tensor Value, Tensor? Gradient, Tensor? Tangent = null);

/// <summary>
/// What eval prints, whether the graph ran here or on a server: so both print the same JSON.
/// <see cref="NonFinitePhase"/> is "value" or "gradient". <see cref="SummaryOutputs"/> are the nodes
/// the summary reports: the outputs, or every sink when none were named.
/// </summary>
internal sealed record EvaluationReport(
    IReadOnlyList<string> Outputs, IReadOnlyList<string> Wrt, IReadOnlyList<NodeReport> Nodes, string? FirstNonFinite, string? NonFinitePhase,
    IReadOnlyList<string> SummaryOutputs)
{
    /// <summary>Whether the nodes carry tangents, which the JSON then shows beside each value.</summary>
    public bool HasTangents => Nodes.Any(node => node.Tangent is not null);

    public static EvaluationReport FromLocal(EvaluationResult result)
    {
        var plan = result.Plan;
        var nodes = Enumerable.Range(0, plan.Count)
            .Select(slot => new NodeReport(plan.Ids[slot], plan.Ops[slot].Name, plan.Shapes[slot], result.Values[slot], result.Gradients[slot],
                result.Tangents?[slot]))
            .ToList();
        return new EvaluationReport(result.Request.Outputs, result.Request.Wrt, nodes,
            result.FirstNonFinite?.NodeId, result.FirstNonFinite is null ? null : PhaseName(result.FirstNonFinite.Phase == EvaluationPhase.Backward),
            SummaryOutputsOf(result));
    }

    /// <summary>The outputs, or every sink when none were named, as a server's summary reports them.</summary>
    public static IReadOnlyList<string> SummaryOutputsOf(EvaluationResult result) =>
        result.Request.Outputs.Count > 0 ? result.Request.Outputs : [.. result.Plan.Sinks.Select(slot => result.Plan.Ids[slot])];

    /// <summary>From a server's event stream; the request asked for trace events, which carry each node's op and shape.</summary>
    public static EvaluationReport FromEvents(IReadOnlyList<Proto.EvaluateEvent> events, IReadOnlyList<string> wrt)
    {
        var values = events.Where(e => e.Value is not null).ToDictionary(e => e.Value.NodeId, e => TensorProtos.FromProto(e.Value.Value));
        var gradients = events.Where(e => e.Gradient is not null).ToDictionary(e => e.Gradient.NodeId, e => TensorProtos.FromProto(e.Gradient.Gradient));
        var tangents = events.Where(e => e.Tangent is not null).ToDictionary(e => e.Tangent.NodeId, e => TensorProtos.FromProto(e.Tangent.Tangent));
        var nodes = events.Where(e => e.Trace is not null)
            .Select(e => new NodeReport(e.Trace.NodeId, e.Trace.Op, e.Trace.OutputShape.Dims.Select(d => (int)d).ToArray(),
                values[e.Trace.NodeId], gradients.GetValueOrDefault(e.Trace.NodeId), tangents.GetValueOrDefault(e.Trace.NodeId)))
            .ToList();
        var summary = events.Last(e => e.Summary is not null).Summary;
        // The server differentiates its one sink when asked for no output; the summary names what it chose.
        var outputs = gradients.Count > 0 ? summary.Outputs.Select(o => o.NodeId).ToList() : [];
        return new EvaluationReport(outputs, wrt, nodes, summary.FirstNonFinite?.NodeId,
            summary.FirstNonFinite is null ? null : PhaseName(summary.FirstNonFinite.InGradient),
            [.. summary.Outputs.Select(o => o.NodeId)]);
    }

    private static string PhaseName(bool inGradient) => inGradient ? "gradient" : "value";
}
