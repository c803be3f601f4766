namespace GraphGrpc.Engine.Batch;

/// <summary>
/// A batch's results as columns: for each output and each wrt node, the values of every point one
/// after another (points × elements per point), except a shared node's summed gradient, which has
/// one point's elements.
/// </summary>
public sealed record BatchResult(int PointCount, double[][] Outputs, double[][] Gradients)
{
    /// <summary>With tangents asked for, one column per output (points × elements): each output's tangent. Empty otherwise.</summary>
    public double[][] Tangents { get; init; } = [];

    /// <summary>Columns of the right lengths for <paramref name="pointCount"/> points of <paramref name="plan"/>, to evaluate into.</summary>
    public static BatchResult Allocate(BatchPlan plan, int pointCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pointCount);
        // Evaluation writes every element of a column, so none needs zeroing first.
        var outputs = plan.Outputs.Select(slot => GC.AllocateUninitializedArray<double>(pointCount * plan.PointSizes[slot])).ToArray();
        var gradients = plan.Wrt
            .Select(slot => GC.AllocateUninitializedArray<double>(plan.IsSummed(slot) ? plan.PointSizes[slot] : pointCount * plan.PointSizes[slot]))
            .ToArray();
        var tangents = plan.Tangent is null ? [] : plan.Outputs.Select(slot => GC.AllocateUninitializedArray<double>(pointCount * plan.PointSizes[slot])).ToArray();
        return new BatchResult(pointCount, outputs, gradients) { Tangents = tangents };
    }
}
