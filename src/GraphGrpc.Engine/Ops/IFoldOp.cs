namespace GraphGrpc.Engine.Ops;

/// <summary>
/// What a sum or mean over every element is to a batch: when the op's output has one element, it folds
/// each point's elements into one value, and a chunk of points folds at once through these span rules,
/// which the op's own <see cref="Op.Forward"/> and <see cref="Op.Backward"/> use for a one-element output too.
/// </summary>
public interface IFoldOp
{
    /// <summary>Folds each run of <paramref name="pointSize"/> elements of <paramref name="x"/> into one element of <paramref name="y"/>.</summary>
    void Fold(ReadOnlySpan<double> x, int pointSize, Span<double> y);

    /// <summary>The fold's gradient: each element of <paramref name="g"/> spread over a run of <paramref name="pointSize"/> elements of <paramref name="d"/>.</summary>
    void Unfold(ReadOnlySpan<double> g, int pointSize, Span<double> d);
}
