namespace GraphGrpc.Transport;

[Flags]
public enum WriteFlags
{
    None = 0,
    /// <summary>Flush less eagerly; the transport may coalesce this message with the next.</summary>
    BufferHint = 1,
    /// <summary>Send this message uncompressed even when the call compresses.</summary>
    NoCompress = 2,
}

/// <summary>Per-message write options.</summary>
public sealed record WriteOptions(WriteFlags Flags = WriteFlags.None)
{
    public static readonly WriteOptions Default = new();
}
