using System.IO.Compression;

namespace GraphGrpc.Transport.Client;

public sealed class GrpcChannelOptions
{
    /// <summary>The HTTP handler; by default a SocketsHttpHandler that may open several HTTP/2 connections.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>.</summary>
    public bool DisposeHttpHandler { get; set; } = true;

    public int? MaxReceiveMessageSize { get; set; } = GrpcTransportOptions.DefaultMaxReceiveMessageSize;

    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compress requests with this encoding ("gzip"); null sends them uncompressed.</summary>
    public string? RequestCompression { get; set; }

    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;
}
