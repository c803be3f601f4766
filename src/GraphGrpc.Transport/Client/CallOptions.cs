namespace GraphGrpc.Transport.Client;

/// <summary>Per-call options: metadata, deadline, cancellation, and request compression.</summary>
public sealed record CallOptions
{
    public static readonly CallOptions Default = new();

    public Metadata? Headers { get; init; }

    /// <summary>When the call expires (UTC); null for no deadline.</summary>
    public DateTime? Deadline { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Overrides the channel's request compression ("gzip" or "identity") for this call.</summary>
    public string? RequestCompression { get; init; }

    /// <summary>Options for the first request message; the request stream's own apply after.</summary>
    public WriteOptions? WriteOptions { get; init; }
}
