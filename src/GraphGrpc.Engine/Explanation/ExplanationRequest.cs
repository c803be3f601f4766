using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// Which gradient to explain: that of <see cref="Output"/> (seeded with <see cref="Seed"/>, or ones of
/// its shape) with respect to <see cref="Wrt"/>, any node upstream of it, an intermediate included.
/// </summary>
public sealed record ExplanationRequest
{
    public const int DefaultTopK = 10;

    /// <summary>The most paths one explanation returns; each is kept at every node while ranking.</summary>
    public const int MaxTopK = 1000;

    private readonly int _topK = DefaultTopK;

    public required string Output { get; init; }

    public required string Wrt { get; init; }

    /// <summary>How many paths to return, those of largest contribution; from 1 to <see cref="MaxTopK"/>.</summary>
    public int TopK
    {
        get => _topK;
        init => _topK = value is >= 1 and <= MaxTopK
            ? value
            : throw new ArgumentOutOfRangeException(nameof(TopK), value, $"top K must be from 1 to {MaxTopK}");
    }

    /// <summary>The cotangent backward starts from, shaped like the output; null for ones.</summary>
    public Tensor? Seed { get; init; }

    /// <summary>
    /// The same gradient as an evaluation asks for it: check an explanation's names and seed with
    /// <see cref="Compilation.Compilation.CheckRequest"/> on this, and Evaluate it to compare.
    /// </summary>
    public EvaluationRequest AsEvaluationRequest() => new()
    {
        Outputs = [Output],
        Wrt = [Wrt],
        Seeds = Seed is null ? new Dictionary<string, Tensor>() : new Dictionary<string, Tensor> { [Output] = Seed },
    };
}
