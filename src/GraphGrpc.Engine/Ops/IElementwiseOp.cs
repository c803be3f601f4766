using System.Linq.Expressions;
using GraphGrpc.Engine.Kernels;

namespace GraphGrpc.Engine.Ops;

/// <summary>
/// What an elementwise op is to a batch: each output element depends only on its operands' elements at
/// the same position, so one call of these span rules serves a whole chunk of points, and gives each
/// element exactly the bits the op's own <see cref="Op.Forward"/> and <see cref="Op.Backward"/> give it.
/// Each operand span has the output's length, or length 1 to stand for one value repeated; a unary op's
/// second operand is empty.
/// </summary>
public interface IElementwiseOp
{
    /// <summary>y = f(a, b) over spans.</summary>
    void Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>The share of operand <paramref name="input"/> at every element of y, before any summing over broadcast axes.</summary>
    void ComputeGradient(int input, ReadOnlySpan<double> g, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, Span<double> d);

    /// <summary>Whether operand <paramref name="input"/>'s share is g itself, element for element, so a batch may let the operand read it where it is.</summary>
    bool PassesGradientThrough(int input);

    /// <summary>
    /// <see cref="Compute"/> as a formula over vectors of lanes, for a fused loop: every lane gets the bits
    /// the span rule gives that element. Null when the op has no such formula, and so does not fuse.
    /// </summary>
    Expression? FusedCompute(VectorLanes lanes, Expression a, Expression b);

    /// <summary><see cref="ComputeGradient"/> as a formula over vectors of lanes, with the same bits; null when the op has none.</summary>
    Expression? FusedGradient(VectorLanes lanes, int input, Expression g, Expression a, Expression b, Expression y);
}
