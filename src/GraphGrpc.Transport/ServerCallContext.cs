using Microsoft.AspNetCore.Http;

namespace GraphGrpc.Transport;

/// <summary>What a handler knows about and can do to its call, as in Grpc.Core.</summary>
public abstract class ServerCallContext
{
    /// <summary>The method path, e.g. <c>/grpc.health.v1.Health/Check</c>.</summary>
    public abstract string Method { get; }

    public abstract string Host { get; }

    /// <summary>The client's address, e.g. <c>ipv4:127.0.0.1:51000</c>.</summary>
    public abstract string Peer { get; }

    /// <summary>When the call expires (UTC); <see cref="DateTime.MaxValue"/> when it has no deadline.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>Custom request metadata; the transport's own headers are left out.</summary>
    public abstract Metadata RequestHeaders { get; }

    /// <summary>Fires when the client cancels or resets the stream, or the deadline passes.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Trailers sent with the status when the call ends.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The status the call ends with when the handler returns normally.</summary>
    public abstract Status Status { get; set; }

    /// <summary>Options for the response messages written from now on.</summary>
    public abstract WriteOptions? WriteOptions { get; set; }

    /// <summary>
    /// The encoding for response messages (e.g. "gzip"). Used only if the client listed it in
    /// grpc-accept-encoding; it must be set before the first response message or header.
    /// </summary>
    public abstract string? ResponseCompression { get; set; }

    /// <summary>Whether the last request message read arrived with the compressed flag set.</summary>
    public abstract bool LastRequestCompressed { get; }

    /// <summary>Sends the response headers now; at most once per call, before any message.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);

    /// <summary>The underlying ASP.NET Core request.</summary>
    public abstract HttpContext GetHttpContext();
}
