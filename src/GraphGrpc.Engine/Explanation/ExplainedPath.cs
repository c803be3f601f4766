using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// One path from the output down to the wrt node and what it contributes: the vector-Jacobian product
/// of the seed through this path's edges alone, shaped like the wrt node.
/// </summary>
/// <param name="NodeIds">From the output to the wrt node.</param>
/// <param name="Operands">Operands[i] is the operand position at which NodeIds[i + 1] enters NodeIds[i]; it tells apart the two edges of x * x.</param>
/// <param name="Contribution">Shaped like the wrt node.</param>
/// <param name="Norm">The Euclidean norm of the contribution, by which paths rank.</param>
public sealed record ExplainedPath(IReadOnlyList<string> NodeIds, IReadOnlyList<int> Operands, Tensor Contribution, double Norm);
