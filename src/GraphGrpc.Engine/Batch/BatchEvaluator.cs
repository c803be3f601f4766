namespace GraphGrpc.Engine.Batch;

/// <summary>
/// Evaluates a plan at many points: forward then backward through the whole plan, one cache-sized
/// chunk of points at a time, chunks in parallel on every core. A plan that fuses runs each chunk as one
/// loop over vectors of points (<see cref="FusedChunk"/>); otherwise, and for a chunk's last points short
/// of a vector, <see cref="ChunkForward"/> and <see cref="ChunkBackward"/> run each slot's step over the
/// chunk, with <see cref="ChunkColumns"/> telling where values and gradients live. Each point gets
/// exactly the bits a one-point evaluation gives it either way.
/// </summary>
public static class BatchEvaluator
{
    /// <param name="inputs">One column per batch input, in the request's order: points × elements per point.</param>
    /// <param name="tangents">With <see cref="BatchRequest.Tangents"/>: one per named leaf, in that order, a column for a batch input, one point's elements for a shared leaf.</param>
    public static BatchResult Evaluate(
        BatchPlan plan, IReadOnlyList<double[]> inputs, int pointCount, CancellationToken cancellationToken = default, IReadOnlyList<double[]>? tangents = null) =>
        EvaluateInto(plan, inputs, BatchResult.Allocate(plan, pointCount), cancellationToken, tangents: tangents);

    /// <summary>
    /// Evaluates into the columns of <paramref name="result"/> (from <see cref="BatchResult.Allocate"/>),
    /// overwriting them: a caller that evaluates batch after batch reuses one set of columns, and spares
    /// the memory system a fresh set of pages every time.
    /// </summary>
    /// <param name="maxWorkers">The most cores this batch may use at once; 0 means one per core. A server
    /// bounds it so that small calls beside a large batch keep a core.</param>
    /// <param name="tangents">As for <see cref="Evaluate"/>.</param>
    public static BatchResult EvaluateInto(
        BatchPlan plan, IReadOnlyList<double[]> inputs, BatchResult result, CancellationToken cancellationToken = default, int maxWorkers = 0,
        IReadOnlyList<double[]>? tangents = null)
    {
        if (plan.Tangent is { } tangent)
        {
            return EvaluateWithTangents(plan, tangent, inputs, result, tangents ?? [], cancellationToken, maxWorkers);
        }
        if (tangents is { Count: > 0 })
        {
            throw new ArgumentException("tangents were passed, but the plan's request names no leaves that carry them", nameof(tangents));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(maxWorkers);
        var pointCount = result.PointCount;
        for (var i = 0; i < plan.BatchInputs.Length; i++)
        {
            var expected = (long)pointCount * plan.PointSizes[plan.BatchInputs[i]];
            if (inputs[i].Length != expected)
            {
                throw new ArgumentException(
                    $"batch input '{plan.Plan.Ids[plan.BatchInputs[i]]}' has {inputs[i].Length} values; {pointCount} points need {expected}", nameof(inputs));
            }
        }
        var (outputs, gradients) = (result.Outputs, result.Gradients);
        var summed = plan.Wrt.Select(plan.IsSummed).ToArray();
        var fits = outputs.Length == plan.Outputs.Length && gradients.Length == plan.Wrt.Length
            && plan.Outputs.Select((slot, o) => outputs[o].Length == (long)pointCount * plan.PointSizes[slot]).All(ok => ok)
            && plan.Wrt.Select((slot, w) => gradients[w].Length == (summed[w] ? 1 : (long)pointCount) * plan.PointSizes[slot]).All(ok => ok);
        if (!fits)
        {
            throw new ArgumentException($"the result columns do not fit {pointCount} points of this plan; make them with BatchResult.Allocate", nameof(result));
        }
        for (var w = 0; w < plan.Wrt.Length; w++)
        {
            if (summed[w])
            {
                Array.Clear(gradients[w]);
            }
        }

        var chunkCount = (pointCount + plan.ChunkSize - 1) / plan.ChunkSize;
        // Summed gradients are added per chunk, then across chunks in chunk order, so the result does not depend on thread timing.
        var sumWidth = plan.Wrt.Where((_, w) => summed[w]).Sum(slot => plan.PointSizes[slot]);
        var partialSums = new double[chunkCount * sumWidth];
        // One worker per core allowed, each taking the next chunk until none is left, with scratch the plan keeps between batches.
        // At least one, so that an empty batch still runs (and leaves every sum at zero).
        var cores = maxWorkers == 0 ? Environment.ProcessorCount : Math.Min(maxWorkers, Environment.ProcessorCount);
        var workers = Math.Max(1, Math.Min(cores, chunkCount));
        var nextChunk = -1;
        // The fused loop's view of the columns: batch inputs, outputs, gradients.
        double[][] columns = plan.Fused is null ? [] : [.. inputs, .. outputs, .. gradients];
        Parallel.For(0, workers, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = workers }, _ =>
        {
            var buffers = plan.SpareBuffers.TryTake(out var spare) ? spare : new ChunkBuffers(plan);
            try
            {
                var chunk = new ChunkColumns(plan, buffers, inputs, outputs, gradients);
                for (int index; (index = Interlocked.Increment(ref nextChunk)) < chunkCount;)
                {
                    var start = index * plan.ChunkSize;
                    var count = Math.Min(plan.ChunkSize, pointCount - start);
                    cancellationToken.ThrowIfCancellationRequested();
                    var fused = plan.Fused?.Run(columns, start, count) ?? 0;
                    if (fused == count)
                    {
                        continue;
                    }
                    chunk.Begin(start + fused, count - fused);
                    ChunkForward.Run(plan, chunk, cancellationToken);
                    ChunkBackward.Run(plan, chunk, cancellationToken);
                    chunk.WriteOutputs();
                    chunk.WriteGradients(partialSums.AsSpan(index * sumWidth, sumWidth));
                }
            }
            finally
            {
                plan.SpareBuffers.Add(buffers);
            }
        });

        SumPartials(plan, gradients, summed, partialSums, chunkCount, sumWidth);
        return result;
    }

    /// <summary>
    /// Runs the extended plan: the tangent leaves become batch inputs (a shared leaf's tangent repeated for
    /// every point), and the outputs' tangents come back as extra output columns, written straight into the result's.
    /// </summary>
    private static BatchResult EvaluateWithTangents(
        BatchPlan plan, TangentBatch tangent, IReadOnlyList<double[]> inputs, BatchResult result, IReadOnlyList<double[]> tangents,
        CancellationToken cancellationToken, int maxWorkers)
    {
        var request = plan.Request;
        if (tangents.Count != request.Tangents.Count)
        {
            throw new ArgumentException($"the request names {request.Tangents.Count} leaves with tangents but {tangents.Count} were passed", nameof(tangents));
        }
        if (result.Tangents.Length != plan.Outputs.Length)
        {
            throw new ArgumentException("the result has no tangent columns; make it with BatchResult.Allocate", nameof(result));
        }
        var pointCount = result.PointCount;
        var columns = new List<double[]>(inputs);
        for (var i = 0; i < tangents.Count; i++)
        {
            var size = plan.PointSizes[plan.Plan.SlotOf(request.Tangents[i])];
            var expected = tangent.Shared[i] ? size : (long)pointCount * size;
            if (tangents[i].Length != expected)
            {
                throw new ArgumentException(
                    $"the tangent of '{request.Tangents[i]}' has {tangents[i].Length} values; it needs {expected} ({(tangent.Shared[i] ? "one point's elements: it is a shared leaf" : $"{pointCount} points of {size}")})",
                    nameof(tangents));
            }
            columns.Add(tangent.Shared[i] ? Repeat(tangents[i], pointCount) : tangents[i]);
        }
        var outputs = new double[tangent.Inner.Outputs.Length][];
        for (var o = 0; o < plan.Outputs.Length; o++)
        {
            outputs[o] = result.Outputs[o];
        }
        for (var o = 0; o < plan.Outputs.Length; o++)
        {
            var column = tangent.ColumnOfTangent[o];
            if (column >= plan.Outputs.Length && outputs[column] is null)
            {
                outputs[column] = result.Tangents[o];
            }
        }
        EvaluateInto(tangent.Inner, columns, new BatchResult(pointCount, outputs, result.Gradients), cancellationToken, maxWorkers);
        // Tangents that are zero, or that share a column with an output or another tangent, are copied in.
        for (var o = 0; o < plan.Outputs.Length; o++)
        {
            var column = tangent.ColumnOfTangent[o];
            if (column < 0)
            {
                Array.Clear(result.Tangents[o]);
            }
            else if (!ReferenceEquals(outputs[column], result.Tangents[o]))
            {
                outputs[column].CopyTo(result.Tangents[o], 0);
            }
        }
        return result;
    }

    private static double[] Repeat(double[] point, int pointCount)
    {
        var column = GC.AllocateUninitializedArray<double>(point.Length * pointCount);
        for (var k = 0; k < pointCount; k++)
        {
            point.CopyTo(column, k * point.Length);
        }
        return column;
    }

    /// <summary>Adds each chunk's summed gradients into the result, in chunk order, so the total does not depend on thread timing.</summary>
    private static void SumPartials(BatchPlan plan, double[][] gradients, bool[] summed, double[] partialSums, int chunkCount, int sumWidth)
    {
        var offset = 0;
        for (var w = 0; w < plan.Wrt.Length; w++)
        {
            if (!summed[w])
            {
                continue;
            }
            var total = gradients[w];
            for (var index = 0; index < chunkCount; index++)
            {
                var partial = partialSums.AsSpan(index * sumWidth + offset, total.Length);
                for (var i = 0; i < total.Length; i++)
                {
                    total[i] += partial[i];
                }
            }
            offset += total.Length;
        }
    }
}
