namespace GraphGrpc.Engine.Tensors;

/// <summary>Shape arithmetic: element counts, strides, numpy broadcasting and axis normalisation.</summary>
public static class Shapes
{
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            count *= dim;
        }
        return checked((int)count);
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Row-major strides of a shape.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        var stride = 1;
        for (var axis = shape.Length - 1; axis >= 0; axis--)
        {
            strides[axis] = stride;
            stride *= shape[axis];
        }
        return strides;
    }

    /// <summary>
    /// The strides of <paramref name="shape"/> seen through the larger <paramref name="target"/> shape
    /// it broadcasts to: zero along every axis the smaller shape lacks or has as 1.
    /// </summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        var own = Strides(shape);
        var strides = new int[target.Length];
        var offset = target.Length - shape.Length;
        for (var axis = 0; axis < shape.Length; axis++)
        {
            strides[axis + offset] = shape[axis] == 1 && target[axis + offset] != 1 ? 0 : own[axis];
        }
        return strides;
    }

    /// <summary>The numpy broadcast of two shapes, or null when they cannot broadcast.</summary>
    public static int[]? TryBroadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (var i = 1; i <= rank; i++)
        {
            var da = i <= a.Length ? a[^i] : 1;
            var db = i <= b.Length ? b[^i] : 1;
            if (da != db && da != 1 && db != 1)
            {
                return null;
            }
            result[rank - i] = da == 1 ? db : da;
        }
        return result;
    }

    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b) =>
        TryBroadcast(a, b) ?? throw new ShapeException(
            $"shapes {Format(a)} and {Format(b)} cannot broadcast");

    /// <summary>Maps a possibly negative axis into [0, rank), or throws naming the bad axis.</summary>
    public static int NormalizeAxis(int axis, int rank)
    {
        var normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
        {
            throw new ShapeException($"axis {axis} is out of range for rank {rank}");
        }
        return normalized;
    }

    /// <summary>A mask of the axes a reduction folds: all of them when <paramref name="axes"/> is empty.</summary>
    public static bool[] ReducedAxes(IReadOnlyList<int> axes, int rank)
    {
        var reduced = new bool[rank];
        if (axes.Count == 0)
        {
            Array.Fill(reduced, true);
            return reduced;
        }
        foreach (var axis in axes)
        {
            var normalized = NormalizeAxis(axis, rank);
            if (reduced[normalized])
            {
                throw new ShapeException($"axis {axis} is listed twice");
            }
            reduced[normalized] = true;
        }
        return reduced;
    }

    /// <summary>The shape after reducing the masked axes, keeping them as 1 or dropping them.</summary>
    public static int[] Reduce(ReadOnlySpan<int> shape, bool[] reduced, bool keepDims)
    {
        var result = new List<int>(shape.Length);
        for (var axis = 0; axis < shape.Length; axis++)
        {
            if (!reduced[axis])
            {
                result.Add(shape[axis]);
            }
            else if (keepDims)
            {
                result.Add(1);
            }
        }
        return [.. result];
    }
}
