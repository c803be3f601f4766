using System.Buffers;
using System.Buffers.Binary;

namespace GraphGrpc.Transport.Internal;

/// <summary>
/// The length-prefixed message: a 1-byte compressed flag, a 4-byte big-endian length, then the
/// message. Frames may be split across or packed into DATA frames in any way.
/// </summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, out byte flag, out uint length)
    {
        if (buffer.Length < HeaderSize)
        {
            flag = 0;
            length = 0;
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        flag = header[0];
        length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        return true;
    }

    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }
}
