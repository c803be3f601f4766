using Google.Protobuf;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Tests;

/// <summary>The tensor plumbing under every op: broadcasting, summing back, and the two wire encodings.</summary>
public sealed class TensorTests
{
    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 1 }, new[] { 1, 3 }, new[] { 2, 3 })]
    [InlineData(new int[0], new[] { 4, 5 }, new[] { 4, 5 })]
    [InlineData(new[] { 5, 1, 4 }, new[] { 3, 1 }, new[] { 5, 3, 4 })]
    public void TryBroadcast_CompatibleShapes_FollowsNumpy(int[] a, int[] b, int[] expected)
    {
        Assert.Equal(expected, Shapes.TryBroadcast(a, b));
        Assert.Equal(expected, Shapes.TryBroadcast(b, a));
    }

    [Fact]
    public void TryBroadcast_IncompatibleShapes_IsNull() => Assert.Null(Shapes.TryBroadcast([2, 3], [2]));

    [Fact]
    public void Expand_ThenSumTo_CountsEachBroadcastCopy()
    {
        var column = new Tensor([2, 1], [1, 2]);

        var expanded = Broadcasting.Expand(column, [2, 3]);
        var summed = Broadcasting.SumTo(expanded, [2, 1]);

        Assert.Equal([1.0, 1, 1, 2, 2, 2], expanded.Data);
        Assert.Equal([3.0, 6], summed.Data);
    }

    [Fact]
    public void FromProto_RawLittleEndianBytes_ReadLikeNumpyToBytes()
    {
        double[] values = [1.5, -0.0, double.NaN, double.MaxValue, 5e-324];
        var bytes = values.SelectMany(BitConverter.GetBytes).ToArray();

        var tensor = TensorProtos.FromProto(new Contracts.V1.Tensor { Shape = { 5 }, Raw = ByteString.CopyFrom(bytes) });

        Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), tensor.Data.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void ToRawProto_RoundTripsBitForBit()
    {
        var tensor = new Tensor([2, 2], [1, double.NegativeInfinity, -0.0, 1e-310]);

        var back = TensorProtos.FromProto(TensorProtos.ToRawProto(tensor));

        Assert.Equal(tensor.Shape, back.Shape);
        Assert.Equal(tensor.Data.Select(BitConverter.DoubleToInt64Bits), back.Data.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void FromProto_ScalarWithoutShape_IsRankZero()
    {
        var tensor = TensorProtos.FromProto(new Contracts.V1.Tensor { Values = { 7 } });

        Assert.Empty(tensor.Shape);
        Assert.Equal(7, tensor.Data[0]);
    }
}
