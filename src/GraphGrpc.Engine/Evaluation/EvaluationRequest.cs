using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Evaluation;

/// <summary>
/// What to differentiate. The backward pass starts from <see cref="Outputs"/>, each seeded with ones
/// of its shape unless <see cref="Seeds"/> gives a tensor (a vector-Jacobian product). Gradients are
/// taken with respect to <see cref="Wrt"/>, or to every input leaf when it is empty; any node may be
/// named there, an intermediate included. With no outputs, only the forward pass runs.
/// </summary>
public sealed record EvaluationRequest
{
    public IReadOnlyList<string> Outputs { get; init; } = [];

    public IReadOnlyList<string> Wrt { get; init; } = [];

    public IReadOnlyDictionary<string, Tensor> Seeds { get; init; } = new Dictionary<string, Tensor>();

    /// <summary>
    /// Forward mode: a tangent per input leaf, shaped like it (a leaf not named has tangent zero). When any
    /// is given, every node's tangent (its Jacobian-vector product) is computed beside its value.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Tangents { get; init; } = new Dictionary<string, Tensor>();

    /// <summary>Also keep what flows along each edge backwards, for drawing the gradient-flow graph.</summary>
    public bool RecordEdgeGradients { get; init; }

    /// <summary>Also time each node's forward and backward rule, for trace events.</summary>
    public bool RecordNodeTimes { get; init; }
}
