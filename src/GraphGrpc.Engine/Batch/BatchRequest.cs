namespace GraphGrpc.Engine.Batch;

/// <summary>
/// One graph evaluated at many points. The <see cref="BatchInputs"/> are leaves whose value changes
/// from point to point; every other leaf is shared by all points. Backward starts from each of the
/// <see cref="Outputs"/>, seeded with ones, and gives the gradient with respect to each of <see cref="Wrt"/>.
/// </summary>
public sealed record BatchRequest
{
    public IReadOnlyList<string> BatchInputs { get; init; } = [];

    public IReadOnlyList<string> Outputs { get; init; } = [];

    public IReadOnlyList<string> Wrt { get; init; } = [];

    /// <summary>
    /// Forward mode: the input leaves that carry a tangent, in the order their tangents are passed. A batch
    /// input's tangent is a column (points × elements), a shared leaf's one tensor for every point; every other
    /// leaf's tangent is zero. The result then has one tangent column per output.
    /// </summary>
    public IReadOnlyList<string> Tangents { get; init; } = [];

    /// <summary>
    /// Only the forward pass: each point's outputs (and their tangents), no backward at all and no gradient
    /// columns. <see cref="Wrt"/> must then be empty.
    /// </summary>
    public bool ForwardOnly { get; init; }

    /// <summary>
    /// How many of the <see cref="Outputs"/>, from the first, backward starts from; null for all. A tangent batch
    /// lists its tangent nodes as outputs after the real ones, and differentiates only those.
    /// </summary>
    internal int? SeededOutputs { get; init; }

    /// <summary>For a shared node in <see cref="Wrt"/>: one gradient summed over all points (a training step) or one per point.</summary>
    public SharedGradients SharedGradients { get; init; } = SharedGradients.Sum;
}

public enum SharedGradients
{
    /// <summary>Summed over the points, in point order within each chunk and chunk order across them.</summary>
    Sum,

    /// <summary>One per point, like a batch input's.</summary>
    PerPoint,
}
