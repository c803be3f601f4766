using System.Buffers;
using System.IO.Compression;
using Google.Protobuf;

namespace GraphGrpc.Transport.Internal;

/// <summary>Writes one length-prefixed message into a buffer writer; shared by server and client.</summary>
internal static class MessageWriter
{
    /// <param name="compression">The encoding to compress with, or null to send uncompressed.</param>
    public static void Write(IBufferWriter<byte> writer, IMessage message, string? compression, CompressionLevel level, int? maxSize)
    {
        var size = message.CalculateSize();
        if (compression is null)
        {
            CheckSize(size, maxSize);
            var span = writer.GetSpan(MessageFraming.HeaderSize + size);
            MessageFraming.WriteHeader(span, compressed: false, size);
            message.WriteTo(span.Slice(MessageFraming.HeaderSize, size));
            writer.Advance(MessageFraming.HeaderSize + size);
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            message.WriteTo(rented.AsSpan(0, size));
            var compressed = MessageCompression.Compress(rented.AsSpan(0, size), level);
            CheckSize(compressed.Length, maxSize);
            var span = writer.GetSpan(MessageFraming.HeaderSize + compressed.Length);
            MessageFraming.WriteHeader(span, compressed: true, compressed.Length);
            compressed.CopyTo(span[MessageFraming.HeaderSize..]);
            writer.Advance(MessageFraming.HeaderSize + compressed.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void CheckSize(int size, int? maxSize)
    {
        if (maxSize is { } max && size > max)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message of {size} bytes exceeds the maximum configured message size ({max} bytes).");
        }
    }
}
