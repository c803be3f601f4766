using System.Numerics;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// The paths between two consecutive nodes that every path passes through, when there are more than
/// one: they fork at <see cref="ForkId"/> (nearer the output) and join at <see cref="JoinId"/>, as seed
/// 000's e and b do, so they read as one block.
/// </summary>
/// <param name="PathCount">The number of paths from the fork to the join.</param>
/// <param name="Local">
/// The block's own gradient, ∂(Σ fork)/∂join: the sum over its paths of the fork's ones carried through
/// each, shaped like the join; ∂fork/∂join itself when the fork holds one element.
/// </param>
/// <param name="Flow">What the block carries from the output: ∂output/∂join, since every path to the join passes the fork.</param>
public sealed record ForkJoinBlock(string ForkId, string JoinId, BigInteger PathCount, Tensor Local, Tensor Flow);
