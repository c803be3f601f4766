using Microsoft.AspNetCore.Http;

namespace GraphGrpc.Transport.Internal;

/// <summary>Names and values fixed by grpc/grpc doc/PROTOCOL-HTTP2.md.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";

    /// <summary>What this library can decode, advertised in grpc-accept-encoding.</summary>
    public const string SupportedEncodings = "identity,gzip";

    /// <summary>True for application/grpc, application/grpc+proto, application/grpc;charset=... and the like.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';';
    }

    public static bool IsSupportedEncoding(string encoding) =>
        string.Equals(encoding, IdentityEncoding, StringComparison.OrdinalIgnoreCase)
        || string.Equals(encoding, GzipEncoding, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a comma-separated grpc-accept-encoding value lists the encoding.</summary>
    public static bool AcceptsEncoding(string? acceptEncoding, string encoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return false;
        }
        foreach (var range in acceptEncoding.AsSpan().Split(','))
        {
            if (acceptEncoding.AsSpan(range).Trim().Equals(encoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Headers the transport consumes itself; the rest reach the handler as metadata.</summary>
    public static bool IsReservedRequestHeader(string name) =>
        name.StartsWith(':')
        || string.Equals(name, HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, TeHeader, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, HeaderNames.Host, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, TimeoutHeader, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, EncodingHeader, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, AcceptEncodingHeader, StringComparison.OrdinalIgnoreCase);

    private static class HeaderNames
    {
        public const string ContentType = "content-type";
        public const string Host = "host";
        public const string ContentLength = "content-length";
    }

    public static string? GetHeader(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;
}
