namespace GraphGrpc.Engine.Tensors;

/// <summary>Where a value fans out, its gradient is the sum of the shares flowing back along each use.</summary>
internal static class GradientShares
{
    /// <summary>total + share, or share itself when there is no total yet. Never writes into either tensor: both may be shared.</summary>
    public static Tensor Add(Tensor? total, Tensor share)
    {
        if (total is null)
        {
            return share;
        }
        var sum = new double[total.Length];
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] = total.Data[i] + share.Data[i];
        }
        return new Tensor(total.Shape, sum);
    }
}
