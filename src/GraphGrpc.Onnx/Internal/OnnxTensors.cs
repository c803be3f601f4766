using System.Buffers.Binary;
using GraphGrpc.Engine.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace GraphGrpc.Onnx.Internal;

/// <summary>ONNX TensorProtos (initializers, Constant values) as float64 tensors, as numpy_helper.to_array then astype(float64) gives them.</summary>
internal static class OnnxTensors
{
    /// <summary>The floating-point element types: the initializers that can be trainable, and the types Cast may go to.</summary>
    public static readonly IReadOnlySet<int> FloatingTypes = new HashSet<int>
    {
        (int)DataType.Float, (int)DataType.Double, (int)DataType.Float16, (int)DataType.Bfloat16,
    };

    /// <summary>A data type as ONNX spells it (FLOAT, INT64, ...).</summary>
    public static string TypeName(int dataType) =>
        TensorProto.Descriptor.EnumTypes[0].FindValueByNumber(dataType)?.Name ?? dataType.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The tensor's values as float64; throws <see cref="UnsupportedOperandException"/> for a type or a
    /// storage it cannot read. Data kept in an external file is read from <paramref name="modelDirectory"/>,
    /// where the model file is, as onnx.load does.
    /// </summary>
    public static Tensor ToTensor(TensorProto tensor, string? modelDirectory = null)
    {
        var shape = tensor.Dims.Select(d => checked((int)d)).ToArray();
        var count = shape.Aggregate(1L, (product, d) => product * d);
        var values = tensor.DataLocation == TensorProto.Types.DataLocation.External
            ? FromRaw(tensor.DataType, ExternalData(tensor, modelDirectory))
            : tensor.HasRawData ? FromRaw(tensor.DataType, tensor.RawData.Span) : FromFields(tensor);
        if (values.Length != count)
        {
            throw new UnsupportedOperandException(
                $"tensor '{tensor.Name}' of shape [{string.Join(", ", shape)}] holds {values.Length} values, not {count}");
        }
        return new Tensor(shape, values);
    }

    /// <summary>The bytes an external tensor's entries point at: location (beside the model), offset and length.</summary>
    private static byte[] ExternalData(TensorProto tensor, string? modelDirectory)
    {
        var entries = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        if (modelDirectory is null || !entries.TryGetValue("location", out var location))
        {
            throw new UnsupportedOperandException(modelDirectory is null
                ? $"tensor '{tensor.Name}' keeps its data in an external file; import the model from its file"
                : $"tensor '{tensor.Name}' keeps its data in an external file but names no location");
        }
        var path = Path.Combine(modelDirectory, location);
        try
        {
            using var file = File.OpenRead(path);
            var offset = entries.TryGetValue("offset", out var o) ? long.Parse(o, System.Globalization.CultureInfo.InvariantCulture) : 0;
            var length = entries.TryGetValue("length", out var l) ? long.Parse(l, System.Globalization.CultureInfo.InvariantCulture) : file.Length - offset;
            var bytes = new byte[length];
            file.Position = offset;
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException or ArgumentException)
        {
            throw new UnsupportedOperandException($"tensor '{tensor.Name}' keeps its data in {path}, which cannot be read: {e.Message}");
        }
    }

    private static double[] FromFields(TensorProto tensor) => (DataType)tensor.DataType switch
    {
        DataType.Float => [.. tensor.FloatData.Select(v => (double)v)],
        DataType.Double => [.. tensor.DoubleData],
        DataType.Int64 => [.. tensor.Int64Data.Select(v => (double)v)],
        DataType.Uint32 or DataType.Uint64 => [.. tensor.Uint64Data.Select(v => (double)v)],
        // The narrower integer types, bool and the 16-bit floats are stored one per int32 (a float's bits).
        DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint16 or DataType.Uint8 or DataType.Bool =>
            [.. tensor.Int32Data.Select(v => (double)v)],
        DataType.Float16 => [.. tensor.Int32Data.Select(v => (double)BitConverter.UInt16BitsToHalf((ushort)v))],
        DataType.Bfloat16 => [.. tensor.Int32Data.Select(v => FromBfloat16((ushort)v))],
        _ => throw Unreadable(tensor.DataType),
    };

    private static double[] FromRaw(int dataType, ReadOnlySpan<byte> raw)
    {
        var (size, read) = Reader(dataType);
        var values = new double[raw.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = read(raw.Slice(i * size, size));
        }
        return values;
    }

    private delegate double ElementReader(ReadOnlySpan<byte> bytes);

    // ONNX's raw_data is little-endian whatever the machine.
    private static (int Size, ElementReader Read) Reader(int dataType) => (DataType)dataType switch
    {
        DataType.Float => (4, b => BinaryPrimitives.ReadSingleLittleEndian(b)),
        DataType.Double => (8, b => BinaryPrimitives.ReadDoubleLittleEndian(b)),
        DataType.Float16 => (2, b => (double)BinaryPrimitives.ReadHalfLittleEndian(b)),
        DataType.Bfloat16 => (2, b => FromBfloat16(BinaryPrimitives.ReadUInt16LittleEndian(b))),
        DataType.Int64 => (8, b => BinaryPrimitives.ReadInt64LittleEndian(b)),
        DataType.Int32 => (4, b => BinaryPrimitives.ReadInt32LittleEndian(b)),
        DataType.Int16 => (2, b => BinaryPrimitives.ReadInt16LittleEndian(b)),
        DataType.Int8 => (1, b => (sbyte)b[0]),
        DataType.Uint64 => (8, b => BinaryPrimitives.ReadUInt64LittleEndian(b)),
        DataType.Uint32 => (4, b => BinaryPrimitives.ReadUInt32LittleEndian(b)),
        DataType.Uint16 => (2, b => BinaryPrimitives.ReadUInt16LittleEndian(b)),
        DataType.Uint8 or DataType.Bool => (1, b => b[0]),
        _ => throw Unreadable(dataType),
    };

    // bfloat16 is the upper half of a float32.
    private static double FromBfloat16(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    private static UnsupportedOperandException Unreadable(int dataType) =>
        new($"a tensor of type {TypeName(dataType)} (only numbers)");
}
