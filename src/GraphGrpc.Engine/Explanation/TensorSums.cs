using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>The little tensor arithmetic explaining needs. Never writes into a tensor it is given: those may be shared.</summary>
internal static class TensorSums
{
    /// <summary>total minus every part: what the parts leave unexplained.</summary>
    public static Tensor Remainder(Tensor total, IEnumerable<Tensor> parts)
    {
        var rest = (double[])total.Data.Clone();
        foreach (var part in parts)
        {
            for (var i = 0; i < rest.Length; i++)
            {
                rest[i] -= part.Data[i];
            }
        }
        return new Tensor(total.Shape, rest);
    }

    /// <summary>The Euclidean norm, scaled by the largest magnitude so that it neither overflows nor underflows; NaN when an element is.</summary>
    public static double Norm(ReadOnlySpan<double> values)
    {
        var largest = 0.0;
        foreach (var x in values)
        {
            if (double.IsNaN(x))
            {
                return double.NaN;
            }
            largest = Math.Max(largest, Math.Abs(x));
        }
        if (largest == 0 || double.IsInfinity(largest))
        {
            return largest;
        }
        var sum = 0.0;
        foreach (var x in values)
        {
            var scaled = x / largest;
            sum += scaled * scaled;
        }
        return largest * Math.Sqrt(sum);
    }
}
