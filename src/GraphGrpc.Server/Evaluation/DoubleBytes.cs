using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// A double[] seen as the little-endian bytes of a raw tensor, without a copy. The array must stay
/// unchanged until the message holding it has been written; BatchCall's alternating buffers make sure.
/// </summary>
internal sealed class DoubleBytes(double[] values) : MemoryManager<byte>
{
    public static ByteString Wrap(double[] values) =>
        BitConverter.IsLittleEndian
            ? UnsafeByteOperations.UnsafeWrap(new DoubleBytes(values).Memory)
            : throw new PlatformNotSupportedException("raw tensors are little-endian float64; this machine is big-endian");

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(values.AsSpan());

    public override MemoryHandle Pin(int elementIndex = 0) =>
        throw new NotSupportedException("raw result columns are read through spans, never pinned");

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
