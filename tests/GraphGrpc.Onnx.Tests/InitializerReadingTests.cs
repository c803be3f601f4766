using Google.Protobuf;
using GraphGrpc.Onnx.Internal;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace GraphGrpc.Onnx.Tests;

/// <summary>Initializers of every numeric type, in raw bytes or in the typed fields, read as float64.</summary>
public sealed class InitializerReadingTests
{
    public static TheoryData<DataType, byte[]> RawTensors => new()
    {
        { DataType.Float, [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f)] },
        { DataType.Double, [.. BitConverter.GetBytes(1.5), .. BitConverter.GetBytes(-2.0)] },
        { DataType.Float16, [.. BitConverter.GetBytes((Half)1.5), .. BitConverter.GetBytes((Half)(-2))] },
        // bfloat16 is a float32's upper half: 1.5f is 0x3FC00000, -2f is 0xC0000000.
        { DataType.Bfloat16, [0xC0, 0x3F, 0x00, 0xC0] },
        { DataType.Int64, [.. BitConverter.GetBytes(1L), .. BitConverter.GetBytes(-2L)] },
        { DataType.Int32, [.. BitConverter.GetBytes(1), .. BitConverter.GetBytes(-2)] },
        { DataType.Int8, [1, 0xFE] },
        { DataType.Uint8, [1, 2] },
    };

    [Theory]
    [MemberData(nameof(RawTensors))]
    public void RawData_IsReadLittleEndianAsFloat64(DataType type, byte[] raw)
    {
        var tensor = new TensorProto { Name = "t", DataType = (int)type, RawData = ByteString.CopyFrom(raw), Dims = { 2 } };

        var read = OnnxTensors.ToTensor(tensor);

        var expected = type switch
        {
            DataType.Int64 or DataType.Int32 or DataType.Int8 => new[] { 1.0, -2.0 },
            DataType.Uint8 => [1.0, 2.0],
            _ => [1.5, -2.0],
        };
        Assert.Equal(expected, read.Data);
        Assert.Equal([2], read.Shape);
    }

    [Fact]
    public void TypedFields_AreReadAsFloat64()
    {
        Assert.Equal([0.1f, 2f], OnnxTensors.ToTensor(new TensorProto { DataType = (int)DataType.Float, Dims = { 2 }, FloatData = { 0.1f, 2f } }).Data.Select(v => (float)v));
        Assert.Equal([(double)0.1f], OnnxTensors.ToTensor(new TensorProto { DataType = (int)DataType.Float, FloatData = { 0.1f } }).Data);
        Assert.Equal([1.5], OnnxTensors.ToTensor(new TensorProto { DataType = (int)DataType.Float16, Dims = { 1 }, Int32Data = { BitConverter.HalfToUInt16Bits((Half)1.5) } }).Data);
        Assert.Equal([-3.0, 4.0], OnnxTensors.ToTensor(new TensorProto { DataType = (int)DataType.Int64, Dims = { 2 }, Int64Data = { -3, 4 } }).Data);
    }

    [Fact]
    public void StringsAndCountsThatDisagree_AreRefusedNamingTheTensor()
    {
        var strings = new TensorProto { Name = "words", DataType = (int)DataType.String, Dims = { 1 }, StringData = { ByteString.CopyFromUtf8("a") } };
        Assert.Equal("a tensor of type STRING (only numbers)", Assert.Throws<UnsupportedOperandException>(() => OnnxTensors.ToTensor(strings)).Message);

        var tooShort = new TensorProto { Name = "short", DataType = (int)DataType.Double, Dims = { 3 }, DoubleData = { 1, 2 } };
        Assert.Equal("tensor 'short' of shape [3] holds 2 values, not 3", Assert.Throws<UnsupportedOperandException>(() => OnnxTensors.ToTensor(tooShort)).Message);
    }
}
