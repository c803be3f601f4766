namespace GraphGrpc.Transport.Client.Internal;

/// <summary>What the public call wrappers need from a call, whatever its message types.</summary>
internal interface ICallState : IDisposable
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();
}
