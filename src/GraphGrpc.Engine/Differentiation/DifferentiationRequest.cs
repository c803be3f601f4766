namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// Which gradients a gradient graph computes: the gradient of each of <see cref="Outputs"/> with respect
/// to each of <see cref="Wrt"/>, each as its own sink. No outputs means the graph's one sink; no wrt means
/// every input leaf. Each output's seed (the cotangent it starts from) is ones of its shape, or, with
/// <see cref="SeedsAsInputs"/>, a new input leaf holding ones, which a caller may set to any tensor of
/// that shape: then the sink computes a vector-Jacobian product, and differentiating a gradient sink
/// with its seed as an input gives a Hessian-vector product.
/// </summary>
public sealed record DifferentiationRequest
{
    public IReadOnlyList<string> Outputs { get; init; } = [];

    public IReadOnlyList<string> Wrt { get; init; } = [];

    public bool SeedsAsInputs { get; init; }
}
