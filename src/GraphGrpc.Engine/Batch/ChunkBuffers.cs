namespace GraphGrpc.Engine.Batch;

/// <summary>
/// One worker's scratch for a chunk: values and gradients of the slots that do not live in a caller's
/// column, and room for one gradient share. A plan keeps the sets its workers give back, so repeated
/// batches over the same plan allocate none of this again.
/// </summary>
internal sealed class ChunkBuffers
{
    public ChunkBuffers(BatchPlan plan)
    {
        var size = plan.ChunkSize;
        var count = plan.Plan.Count;
        Values = Enumerable.Range(0, count)
            .Select(slot => plan.Varies[slot] && !plan.ValueInColumn[slot] ? new double[size * plan.PointSizes[slot]] : null).ToArray();
        Gradients = Enumerable.Range(0, count)
            .Select(slot => plan.OnPath[slot] && !plan.GradientInColumn[slot] ? new double[size * plan.PointSizes[slot]] : null).ToArray();
        Assigned = new bool[count];
        HeldBy = new int[count];
        var largest = plan.PointSizes.DefaultIfEmpty(1).Max() * size;
        Share = new double[largest];
        Wide = new double[largest];
    }

    public double[]?[] Values { get; }

    public double[]?[] Gradients { get; }

    /// <summary>Which gradients the chunk's backward pass has written so far.</summary>
    public bool[] Assigned { get; }

    /// <summary>For each slot, the slot whose gradient storage holds its gradient when that is another's, else −1.</summary>
    public int[] HeldBy { get; }

    public double[] Share { get; }

    /// <summary>An operand's share before it is summed over a broadcast, point by point.</summary>
    public double[] Wide { get; }
}
