using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// Makes the gradient of a graph into a graph: reverse mode run symbolically, each op's backward rule
/// emitting graph ops (<see cref="Ops.Op.SymbolicBackward"/>), then simplified, so the result can be
/// evaluated, drawn, or differentiated again.
/// </summary>
public static class Differentiator
{
    public static DifferentiationResult Differentiate(Proto.Graph graph, DifferentiationRequest request, GraphLimits? limits = null) =>
        throw new NotSupportedException("the Differentiator is being built");
}
