namespace GraphGrpc.Engine.Tensors;

/// <summary>
/// Moves data between a shape and a larger shape it broadcasts to. One offset table serves
/// broadcasting operands forward, summing gradients back over broadcast axes, and reductions.
/// </summary>
public static class Broadcasting
{
    /// <summary>For each element of <paramref name="target"/>, the offset of the element of <paramref name="source"/> it reads.</summary>
    public static int[] Offsets(int[] source, int[] target)
    {
        var strides = Shapes.BroadcastStrides(source, target);
        var count = Shapes.ElementCount(target);
        var offsets = new int[count];
        var index = new int[target.Length];
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            offsets[i] = offset;
            for (var axis = target.Length - 1; axis >= 0; axis--)
            {
                offset += strides[axis];
                if (++index[axis] < target[axis])
                {
                    break;
                }
                offset -= strides[axis] * target[axis];
                index[axis] = 0;
            }
        }
        return offsets;
    }

    /// <summary>Repeats <paramref name="tensor"/> along broadcast axes to fill <paramref name="shape"/>.</summary>
    public static Tensor Expand(Tensor tensor, int[] shape)
    {
        if (Shapes.SameShape(tensor.Shape, shape))
        {
            return tensor;
        }
        var offsets = Offsets(tensor.Shape, shape);
        var result = new double[offsets.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = tensor.Data[offsets[i]];
        }
        return new Tensor(shape, result);
    }

    /// <summary>
    /// Sums <paramref name="tensor"/> down to <paramref name="shape"/>, which broadcasts to the tensor's shape:
    /// the backward rule of every broadcast, and the forward rule of a sum that keeps its dimensions.
    /// </summary>
    public static Tensor SumTo(Tensor tensor, int[] shape)
    {
        // The same elements under another shape ([1] to [], say) sum nothing: as they are, so a −0 stays −0.
        if (Shapes.ElementCount(shape) == tensor.Length)
        {
            return Shapes.SameShape(tensor.Shape, shape) ? tensor : tensor.WithShape(shape);
        }
        var offsets = Offsets(shape, tensor.Shape);
        var result = new double[Shapes.ElementCount(shape)];
        for (var i = 0; i < offsets.Length; i++)
        {
            result[offsets[i]] += tensor.Data[i];
        }
        return new Tensor(shape, result);
    }

    /// <summary>
    /// <see cref="SumTo"/> a one-element shape for many tensors at once: each run of <paramref name="run"/>
    /// elements of <paramref name="x"/> becomes one element of <paramref name="sums"/>, summed from zero in
    /// element order, or copied when a run is one element.
    /// </summary>
    public static void SumEachRun(ReadOnlySpan<double> x, int run, Span<double> sums)
    {
        if (run == 1)
        {
            if (!x.Overlaps(sums))
            {
                x.CopyTo(sums);
            }
            return;
        }
        for (var k = 0; k < sums.Length; k++)
        {
            var sum = 0.0;
            foreach (var value in x.Slice(k * run, run))
            {
                sum += value;
            }
            sums[k] = sum;
        }
    }
}
