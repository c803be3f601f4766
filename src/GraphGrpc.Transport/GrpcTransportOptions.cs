using System.IO.Compression;

namespace GraphGrpc.Transport;

/// <summary>Server options for every gRPC service mapped by this library.</summary>
public sealed class GrpcTransportOptions
{
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>The largest request message accepted, after decompression; null for no limit.</summary>
    public int? MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    /// <summary>The largest response message sent; null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compress responses with this encoding ("gzip") when the client accepts it.</summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    public CompressionLevel ResponseCompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>Put the exception's type and message (never its stack) in UNKNOWN statuses.</summary>
    public bool EnableDetailedErrors { get; set; }
}
