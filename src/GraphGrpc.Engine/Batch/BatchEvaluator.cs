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
        if (plan.Request.Tangents.Count > 0 || tangents is { Count: > 0 })
        {
            throw new NotSupportedException("batch tangents are being built");
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
        return result;
    }
}
