namespace GraphGrpc.Engine.Batch;

/// <summary>
/// One worker's scratch for a chunk: the buffers the plan's assignment shares out among slots, and room
/// for one gradient share and one share before it is summed over a broadcast. A plan keeps the sets its
/// workers give back, so repeated batches over the same plan allocate none of this again.
/// </summary>
internal sealed class ChunkBuffers
{
    public ChunkBuffers(BatchPlan plan)
    {
        var size = plan.ChunkSize;
        Buffers = plan.Buffers.BufferSizes.Select(elements => new double[size * elements]).ToArray();
        var largest = plan.PointSizes.DefaultIfEmpty(1).Max() * size;
        Share = new double[largest];
        Wide = new double[largest];
    }

    public double[][] Buffers { get; }

    public double[] Share { get; }

    /// <summary>An operand's share before it is summed over a broadcast, point by point.</summary>
    public double[] Wide { get; }
}
