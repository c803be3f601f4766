using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;

namespace GraphGrpc.Transport.Internal;

/// <summary>Reads length-prefixed messages from a pipe; shared by the server and the client.</summary>
internal static class MessageReader
{
    /// <summary>
    /// The next message, or null at a clean end of stream. Protocol faults throw RpcException:
    /// RESOURCE_EXHAUSTED past the size limit, INTERNAL for a truncated frame, a compressed flag
    /// without an encoding, or bytes that are not the expected message.
    /// </summary>
    public static async ValueTask<(T? Message, bool Compressed)> ReadAsync<T>(
        PipeReader reader, MessageParser<T> parser, int? maxSize, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start);
                throw new OperationCanceledException("Reading the message stream was canceled.");
            }

            if (MessageFraming.TryReadHeader(buffer, out var flag, out var length))
            {
                if (maxSize is { } max && length > (uint)max)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Received message of {length} bytes exceeds the maximum configured message size ({max} bytes).");
                }
                if (buffer.Length - MessageFraming.HeaderSize >= length)
                {
                    var payload = buffer.Slice(MessageFraming.HeaderSize, length);
                    try
                    {
                        return (Parse(payload, flag, parser, maxSize, encoding), flag == 1);
                    }
                    finally
                    {
                        reader.AdvanceTo(payload.End);
                    }
                }
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (buffer.Length == 0)
                {
                    return (null, false);
                }
                throw new RpcException(StatusCode.Internal,
                    $"Incomplete message: the stream ended {buffer.Length} bytes into a length-prefixed frame.");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static T Parse<T>(in ReadOnlySequence<byte> payload, byte flag, MessageParser<T> parser, int? maxSize, string? encoding)
        where T : class, IMessage<T>
    {
        try
        {
            switch (flag)
            {
                case 0:
                    return parser.ParseFrom(payload);
                case 1 when encoding is null || string.Equals(encoding, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase):
                    throw new RpcException(StatusCode.Internal,
                        "A message has the compressed flag set but the call has no grpc-encoding.");
                case 1:
                    return parser.ParseFrom(MessageCompression.Decompress(payload, maxSize));
                default:
                    throw new RpcException(StatusCode.Internal, $"A message has an invalid compressed flag {flag}; it must be 0 or 1.");
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize the message as {typeof(T).Name}: {ex.Message}");
        }
    }
}
