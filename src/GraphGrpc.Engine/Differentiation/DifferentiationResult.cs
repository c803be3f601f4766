using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// A gradient graph, or every problem that kept it from being made. The graph has every leaf of the
/// original graph (same ids, same values), the seed inputs when asked for, the nodes the gradients need,
/// and one sink per (output, wrt) pair.
/// </summary>
public sealed record DifferentiationResult(
    IReadOnlyList<GraphProblem> Problems, Proto.Graph? Graph, IReadOnlyList<GradientSink> Sinks, IReadOnlyList<SeedInput> Seeds)
{
    public bool IsValid => Graph is not null;
}
