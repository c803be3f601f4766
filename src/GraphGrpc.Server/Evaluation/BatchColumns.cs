using System.Runtime.InteropServices;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// Reads a chunk's columns, one per batch input, each [K, ...the input's shape]: first checked,
/// then copied into columns the stream reuses; raw bytes in one block, never number by number.
/// A bad chunk is INVALID_ARGUMENT naming the chunk and the input.
/// </summary>
internal static class BatchColumns
{
    /// <summary>Checks every column against its batch input and returns the chunk's point count.</summary>
    public static int CountPoints(Proto.BatchChunk chunk, BatchPlan plan, long maxElements)
    {
        var ids = plan.Request.BatchInputs;
        foreach (var id in chunk.Columns.Keys.Where(id => !ids.Contains(id)))
        {
            throw Bad(chunk, id, $"column '{id}' is not one of the batch inputs ({string.Join(", ", ids)})");
        }
        int? points = null;
        string? first = null;
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            if (!chunk.Columns.TryGetValue(id, out var column))
            {
                throw Bad(chunk, id, $"batch input '{id}' has no column");
            }
            var count = Count(chunk, id, column, plan.Plan.Shapes[plan.BatchInputs[i]], maxElements);
            if (points is { } k && k != count)
            {
                throw Bad(chunk, id, $"column '{id}' has {count} points but column '{first}' has {k}");
            }
            (points, first) = (count, id);
        }
        return points ?? 0;
    }

    /// <summary>Copies each checked column into <paramref name="into"/>; raw bytes in one block, never number by number.</summary>
    public static void Decode(Proto.BatchChunk chunk, BatchPlan plan, double[][] into)
    {
        var ids = plan.Request.BatchInputs;
        for (var i = 0; i < ids.Count; i++)
        {
            var column = chunk.Columns[ids[i]];
            if (column.Raw.IsEmpty)
            {
                column.Values.CopyTo(into[i], 0);
            }
            else
            {
                column.Raw.Span.CopyTo(MemoryMarshal.AsBytes(into[i].AsSpan()));
            }
        }
    }

    private static int Count(Proto.BatchChunk chunk, string id, Proto.Tensor column, int[] pointShape, long maxElements)
    {
        if (!column.Raw.IsEmpty && column.Raw.Length % sizeof(double) != 0)
        {
            throw Bad(chunk, id, $"column '{id}' has {column.Raw.Length} raw bytes, not a whole number of float64 values (8 bytes each)");
        }
        var length = column.Raw.IsEmpty ? column.Values.Count : column.Raw.Length / sizeof(double);
        var pointSize = Shapes.ElementCount(pointShape);
        int points;
        if (column.Shape.Count == 0)
        {
            // No shape: the points one after another, as many as fit.
            if (pointSize == 0 ? length != 0 : length % pointSize != 0)
            {
                throw Bad(chunk, id, $"column '{id}' has {length} values, not a whole number of points of {pointSize}");
            }
            points = pointSize == 0 ? 0 : length / pointSize;
        }
        else
        {
            if (!column.Shape.Skip(1).Select(d => (int)d).SequenceEqual(pointShape) || column.Shape[0] < 0 || column.Shape[0] > int.MaxValue)
            {
                throw Bad(chunk, id, $"column '{id}' has shape [{string.Join(", ", column.Shape)}] but its points have shape {Shapes.Format(pointShape)}: expected [K, {string.Join(", ", pointShape)}]".Replace(", ]", "]"));
            }
            points = (int)column.Shape[0];
        }
        if ((long)points * pointSize > maxElements)
        {
            throw Bad(chunk, id, $"column '{id}' has {(long)points * pointSize} elements, more than the limit of {maxElements}", ProblemKind.LimitExceeded);
        }
        if (length != (long)points * pointSize)
        {
            throw Bad(chunk, id, $"column '{id}' has {length} values but {points} points of {pointSize} need {(long)points * pointSize}");
        }
        return points;
    }

    private static RpcException Bad(Proto.BatchChunk chunk, string id, string message, ProblemKind kind = ProblemKind.InvalidValue) =>
        InvalidRequest.Exception([new GraphProblem(id, kind, $"chunk {chunk.Sequence}: {message}")]);
}
