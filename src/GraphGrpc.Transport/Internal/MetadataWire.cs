using Microsoft.Extensions.Primitives;

namespace GraphGrpc.Transport.Internal;

/// <summary>Metadata to and from HTTP/2 header fields; -bin values travel as base64.</summary>
internal static class MetadataWire
{
    /// <summary>Un-padded base64, which the spec asks senders to emit.</summary>
    public static string EncodeBinary(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    /// <summary>Base64 with or without padding, as the spec asks receivers to accept.</summary>
    public static byte[] DecodeBinary(string key, string value)
    {
        var trimmed = value.Trim();
        var padding = (4 - trimmed.Length % 4) % 4;
        if (padding == 3)
        {
            throw new RpcException(StatusCode.Internal, $"Metadata '{key}' is not valid base64.");
        }
        try
        {
            return Convert.FromBase64String(padding == 0 ? trimmed : trimmed + new string('=', padding));
        }
        catch (FormatException)
        {
            throw new RpcException(StatusCode.Internal, $"Metadata '{key}' is not valid base64.");
        }
    }

    public static string ToHeaderValue(Metadata.Entry entry) =>
        entry.IsBinary ? EncodeBinary(entry.ValueBytes) : entry.Value;

    /// <summary>Adds one header field to metadata; a -bin field may hold several comma-separated values.</summary>
    public static void AddFromHeader(Metadata metadata, string key, StringValues values)
    {
        var lowerKey = key.ToLowerInvariant();
        var binary = Metadata.Entry.IsBinaryKey(lowerKey);
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }
            if (!binary)
            {
                // A text value outside printable ASCII breaks the spec; drop it rather than fail the call.
                if (!IsPrintableAscii(value))
                {
                    continue;
                }
                metadata.Add(new Metadata.Entry(lowerKey, value));
                continue;
            }
            foreach (var part in value.Split(','))
            {
                metadata.Add(new Metadata.Entry(lowerKey, DecodeBinary(lowerKey, part)));
            }
        }
    }

    
    public static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }
        return true;
    }
}
