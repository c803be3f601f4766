using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>One edge on the paths: operand number <see cref="Operand"/> of <see cref="ConsumerId"/> is <see cref="InputId"/>.</summary>
/// <param name="Local">
/// The consumer's backward rule applied to ones shaped like the consumer, ∂(Σ consumer)/∂input, shaped
/// like the input: the edge's whole Jacobian when the consumer holds one element, the elementwise
/// derivative for an elementwise op between tensors of one shape.
/// </param>
/// <param name="Flow">What flowed back along this edge from the output: the share of the input's gradient that came through the consumer.</param>
public sealed record ExplainedEdge(string ConsumerId, int Operand, string InputId, Tensor Local, Tensor Flow);
