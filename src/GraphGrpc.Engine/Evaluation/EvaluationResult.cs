using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Evaluation;

/// <summary>Values and gradients of one evaluation, indexed by the plan's slots.</summary>
public sealed class EvaluationResult(
    Plan plan, EvaluationRequest request, Tensor[] values, Tensor?[] gradients, Tensor?[][]? edgeGradients, NonFiniteNode? firstNonFinite,
    TimeSpan forwardTime, TimeSpan backwardTime, TimeSpan[]? forwardTimes = null, TimeSpan[]? backwardTimes = null)
{
    public Plan Plan { get; } = plan;

    public EvaluationRequest Request { get; } = request;

    public Tensor[] Values { get; } = values;

    /// <summary>The gradient of the seeded outputs with respect to each slot; null for slots off every path from a wanted gradient to an output.</summary>
    public Tensor?[] Gradients { get; } = gradients;

    /// <summary>When recorded, what flowed back along each edge: [slot][operand] is the share of the operand's gradient that came through this slot.</summary>
    public Tensor?[][]? EdgeGradients { get; } = edgeGradients;

    /// <summary>The first node, in topological order, whose value is NaN or infinite; failing that, the first gradient so, in the order backward found them.</summary>
    public NonFiniteNode? FirstNonFinite { get; } = firstNonFinite;

    public TimeSpan ForwardTime { get; } = forwardTime;

    public TimeSpan BackwardTime { get; } = backwardTime;

    /// <summary>When recorded, how long each slot's forward rule took.</summary>
    public TimeSpan[]? ForwardTimes { get; } = forwardTimes;

    /// <summary>When recorded, how long each slot's backward rule took; zero for slots backward skipped.</summary>
    public TimeSpan[]? BackwardTimes { get; } = backwardTimes;

    /// <summary>With tangents asked for, each slot's tangent (zeros where no tangent reaches); null otherwise.</summary>
    public Tensor[]? Tangents { get; init; }

    public Tensor ValueOf(string id) => Values[Plan.SlotOf(id)];

    public Tensor? GradientOf(string id) => Gradients[Plan.SlotOf(id)];

    /// <summary>The node's tangent; null when the request gave no tangents.</summary>
    public Tensor? TangentOf(string id) => Tangents?[Plan.SlotOf(id)];
}
