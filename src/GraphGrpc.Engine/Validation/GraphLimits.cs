namespace GraphGrpc.Engine.Validation;

/// <summary>Size limits a graph must keep to; breaking one is a problem of kind <see cref="ProblemKind.LimitExceeded"/>.</summary>
public sealed record GraphLimits
{
    /// <summary>Generous enough for a million-node chain, small enough to refuse a graph that would exhaust memory.</summary>
    public int MaxNodes { get; init; } = 2_000_000;

    /// <summary>The most elements any one tensor, given or computed, may have.</summary>
    public long MaxTensorElements { get; init; } = 16L * 1024 * 1024;

    public static GraphLimits Default { get; } = new();
}
