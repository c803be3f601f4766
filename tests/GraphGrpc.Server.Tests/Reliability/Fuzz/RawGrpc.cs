using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace GraphGrpc.Fuzz;

/// <summary>What came back for one raw call, and whether it was a well-formed gRPC response.</summary>
public sealed record RawReply(int? Status, List<byte[]> Messages, string? Problem)
{
    public bool WellFormed => Problem is null;
}

/// <summary>
/// gRPC at the byte level over HttpClient's h2c: the request body is exactly the bytes given, so
/// frames may lie about their length, be cut short, or not be protobuf at all. The reply is checked
/// against the protocol: HTTP 200, a gRPC content-type, whole length-prefixed frames, and one
/// grpc-status (in the trailers, or in the headers of a Trailers-Only reply).
/// </summary>
public sealed class RawGrpc(Uri address) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
    {
        BaseAddress = address,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>One length-prefixed frame: the flag byte, the big-endian length, the payload.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, byte flag = 0, uint? claimedLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), claimedLength ?? (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    public async Task<RawReply> CallAsync(string path, byte[] body, TimeSpan timeout, string? encoding, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", $"{(long)timeout.TotalMilliseconds}m");
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new RawReply(null, [], $"HTTP {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)} {response.Headers}");
        }
        if (response.Content.Headers.ContentType?.MediaType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            return new RawReply(null, [], $"content-type {response.Content.Headers.ContentType}");
        }

        var (messages, framing) = Deframe(bytes);
        var inHeaders = Header(response.Headers, "grpc-status");
        var inTrailers = Header(response.TrailingHeaders, "grpc-status");
        if ((inHeaders is null) == (inTrailers is null))
        {
            return new RawReply(null, messages, inHeaders is null ? "no grpc-status" : "grpc-status in both headers and trailers");
        }
        if (inHeaders is not null && bytes.Length > 0)
        {
            return new RawReply(null, messages, "a Trailers-Only reply with a body");
        }
        if (!int.TryParse(inHeaders ?? inTrailers, NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status > 16)
        {
            return new RawReply(null, messages, $"grpc-status '{inHeaders ?? inTrailers}'");
        }
        var message = Header(response.Headers, "grpc-message") ?? Header(response.TrailingHeaders, "grpc-message");
        if (message is not null && !IsPercentEncoded(message))
        {
            return new RawReply(status, messages, $"grpc-message not percent-encoded: {message}");
        }
        return new RawReply(status, messages, framing);
    }

    public void Dispose() => _http.Dispose();

    private static (List<byte[]> Messages, string? Problem) Deframe(byte[] body)
    {
        var messages = new List<byte[]>();
        var at = 0;
        while (at < body.Length)
        {
            if (body.Length - at < 5)
            {
                return (messages, "a frame header cut short");
            }
            var flag = body[at];
            var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1));
            if (flag > 1 || length > body.Length - at - 5)
            {
                return (messages, $"a bad frame (flag {flag}, length {length})");
            }
            messages.Add(body.AsSpan(at + 5, (int)length).ToArray());
            at += 5 + (int)length;
        }
        return (messages, null);
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>grpc-message is printable ASCII with '%' escapes (PROTOCOL-HTTP2.md).</summary>
    private static bool IsPercentEncoded(string message) => message.All(c => c is >= ' ' and <= '~');
}
