using System.Runtime.InteropServices;
using Google.Protobuf.Collections;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// Reads a chunk's columns, one per batch input, each [K, ...the input's shape], and its tangent
/// columns, one per tangent input, shaped alike: first checked, then copied into columns the stream
/// reuses; raw bytes in one block, never number by number. A bad chunk is INVALID_ARGUMENT naming
/// the chunk and the input.
/// </summary>
internal static class BatchColumns
{
    /// <summary>Checks every column against its batch input, and every tangent column, and returns the chunk's point count.</summary>
    public static int CountPoints(Proto.BatchChunk chunk, BatchPlan plan, IReadOnlyList<string> tangentInputs, long maxElements)
    {
        var points = CountPoints(chunk, chunk.Columns, "column", plan.Request.BatchInputs, plan, maxElements, null);
        if (tangentInputs.Count > 0 || chunk.Tangents.Count > 0)
        {
            CountPoints(chunk, chunk.Tangents, "tangent column", tangentInputs, plan, maxElements, points);
        }
        return points;
    }

    /// <summary>Copies each checked column into <paramref name="into"/>; raw bytes in one block, never number by number.</summary>
    public static void Decode(Proto.BatchChunk chunk, BatchPlan plan, double[][] into) => Decode(chunk.Columns, plan.Request.BatchInputs, into);

    /// <summary>Copies each checked tangent column into <paramref name="into"/>, as <see cref="Decode(Proto.BatchChunk, BatchPlan, double[][])"/> does the values.</summary>
    public static void DecodeTangents(Proto.BatchChunk chunk, IReadOnlyList<string> tangentInputs, double[][] into) => Decode(chunk.Tangents, tangentInputs, into);

    private static void Decode(MapField<string, Proto.Tensor> columns, IReadOnlyList<string> ids, double[][] into)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            var column = columns[ids[i]];
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

    /// <summary>
    /// Checks one set of columns, keyed by <paramref name="ids"/>, and returns their point count, which
    /// must be <paramref name="expected"/> when given.
    /// </summary>
    private static int CountPoints(
        Proto.BatchChunk chunk, MapField<string, Proto.Tensor> columns, string what, IReadOnlyList<string> ids, BatchPlan plan, long maxElements, int? expected)
    {
        foreach (var id in columns.Keys.Where(id => !ids.Contains(id)))
        {
            var wanted = ids.Count == 0 ? "the batch start named none" : string.Join(", ", ids);
            throw Bad(chunk, id, $"{what} '{id}' is not one of the {(what == "column" ? "batch inputs" : "tangent inputs")} ({wanted})");
        }
        int? points = expected;
        // What the first count came from, to name it when a later one differs.
        var first = expected is null ? null : "the chunk's value columns have";
        foreach (var id in ids)
        {
            if (!columns.TryGetValue(id, out var column))
            {
                throw Bad(chunk, id, $"{(what == "column" ? "batch" : "tangent")} input '{id}' has no {what}");
            }
            var count = Count(chunk, id, what, column, plan.Plan.Shapes[plan.Plan.SlotOf(id)], maxElements);
            if (points is { } k && k != count)
            {
                throw Bad(chunk, id, $"{what} '{id}' has {count} points but {first} {k}");
            }
            points = count;
            first ??= $"{what} '{id}' has";
        }
        return points ?? 0;
    }

    private static int Count(Proto.BatchChunk chunk, string id, string what, Proto.Tensor column, int[] pointShape, long maxElements)
    {
        if (!column.Raw.IsEmpty && column.Raw.Length % sizeof(double) != 0)
        {
            throw Bad(chunk, id, $"{what} '{id}' has {column.Raw.Length} raw bytes, not a whole number of float64 values (8 bytes each)");
        }
        var length = column.Raw.IsEmpty ? column.Values.Count : column.Raw.Length / sizeof(double);
        var pointSize = Shapes.ElementCount(pointShape);
        int points;
        if (column.Shape.Count == 0)
        {
            // No shape: the points one after another, as many as fit.
            if (pointSize == 0 ? length != 0 : length % pointSize != 0)
            {
                throw Bad(chunk, id, $"{what} '{id}' has {length} values, not a whole number of points of {pointSize}");
            }
            points = pointSize == 0 ? 0 : length / pointSize;
        }
        else
        {
            if (!column.Shape.Skip(1).Select(d => (int)d).SequenceEqual(pointShape) || column.Shape[0] < 0 || column.Shape[0] > int.MaxValue)
            {
                throw Bad(chunk, id, $"{what} '{id}' has shape [{string.Join(", ", column.Shape)}] but its points have shape {Shapes.Format(pointShape)}: expected [K, {string.Join(", ", pointShape)}]".Replace(", ]", "]"));
            }
            points = (int)column.Shape[0];
        }
        if ((long)points * pointSize > maxElements)
        {
            throw Bad(chunk, id, $"{what} '{id}' has {(long)points * pointSize} elements, more than the limit of {maxElements}", ProblemKind.LimitExceeded);
        }
        if (length != (long)points * pointSize)
        {
            throw Bad(chunk, id, $"{what} '{id}' has {length} values but {points} points of {pointSize} need {(long)points * pointSize}");
        }
        return points;
    }

    private static RpcException Bad(Proto.BatchChunk chunk, string id, string message, ProblemKind kind = ProblemKind.InvalidValue) =>
        InvalidRequest.Exception([new GraphProblem(id, kind, $"chunk {chunk.Sequence}: {message}")]);
}
