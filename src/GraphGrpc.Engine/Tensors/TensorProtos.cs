using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Tensors;

/// <summary>Converts between the wire <see cref="Proto.Tensor"/> and the engine's <see cref="Tensor"/>.</summary>
public static class TensorProtos
{
    /// <summary>Reads a wire tensor, or throws <see cref="InvalidTensorException"/> saying what is wrong with it.</summary>
    public static Tensor FromProto(Proto.Tensor proto, long maxElements = long.MaxValue)
    {
        var shape = new int[proto.Shape.Count];
        long expected = 1;
        for (var axis = 0; axis < shape.Length; axis++)
        {
            var dim = proto.Shape[axis];
            if (dim < 0)
            {
                throw new InvalidTensorException($"dimension {axis} is {dim}, and dimensions cannot be negative");
            }
            expected *= dim;
            if (expected > maxElements || expected > Array.MaxLength)
            {
                throw new InvalidTensorException(
                    $"shape {FormatShape(proto.Shape)} has more than the limit of {Math.Min(maxElements, Array.MaxLength)} elements",
                    isLimit: true);
            }
            shape[axis] = (int)dim;
        }

        if (proto.Values.Count > 0 && !proto.Raw.IsEmpty)
        {
            throw new InvalidTensorException("both values and raw are set; send the data one way");
        }
        if (!proto.Raw.IsEmpty)
        {
            return new Tensor(shape, ReadRaw(proto.Raw, expected, shape));
        }
        if (proto.Values.Count != expected)
        {
            throw new InvalidTensorException(
                $"shape {FormatShape(proto.Shape)} needs {expected} values but {proto.Values.Count} were given");
        }
        var data = new double[expected];
        proto.Values.CopyTo(data, 0);
        return new Tensor(shape, data);
    }

    public static Proto.Tensor ToProto(Tensor tensor)
    {
        var proto = new Proto.Tensor();
        foreach (var dim in tensor.Shape)
        {
            proto.Shape.Add(dim);
        }
        proto.Values.Add(tensor.Data);
        return proto;
    }

    /// <summary>The fast path: the bytes of the data as little-endian float64, as numpy's tobytes() writes them.</summary>
    public static Proto.Tensor ToRawProto(Tensor tensor)
    {
        var proto = new Proto.Tensor();
        foreach (var dim in tensor.Shape)
        {
            proto.Shape.Add(dim);
        }
        var bytes = new byte[tensor.Length * sizeof(double)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(tensor.Data.AsSpan()).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < tensor.Length; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), tensor.Data[i]);
            }
        }
        proto.Raw = UnsafeByteOperations.UnsafeWrap(bytes);
        return proto;
    }

    private static double[] ReadRaw(ByteString raw, long expected, int[] shape)
    {
        if (raw.Length != expected * sizeof(double))
        {
            throw new InvalidTensorException(
                $"shape {Shapes.Format(shape)} needs {expected * sizeof(double)} raw bytes ({expected} float64) but {raw.Length} were given");
        }
        var data = new double[expected];
        if (BitConverter.IsLittleEndian)
        {
            raw.Span.CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
        }
        else
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw.Span[(i * sizeof(double))..]);
            }
        }
        return data;
    }

    private static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
