using Google.Protobuf;

namespace GraphGrpc.Transport;

/// <summary>
/// A call's failure with a gRPC status. Thrown by a handler it ends the call with that status and
/// trailers; thrown by the client it carries what the server sent.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata(), status.Detail)
    {
    }

    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, status.Detail)
    {
    }

    public RpcException(Status status, Metadata trailers, string message)
        : base(message)
    {
        Status = status;
        Trailers = trailers;
    }

    public RpcException(StatusCode code, string detail)
        : this(new Status(code, detail))
    {
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    public Metadata Trailers { get; }

    /// <summary>
    /// An exception whose status and <c>grpc-status-details-bin</c> trailer both come from a
    /// <c>google.rpc.Status</c>, so clients get the details in the standard place.
    /// </summary>
    public static RpcException FromRpcStatus(Google.Rpc.Status status, Metadata? trailers = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        trailers ??= new Metadata();
        trailers.Add(Metadata.StatusDetailsKey, status.ToByteArray());
        return new RpcException(new Status((StatusCode)status.Code, status.Message), trailers);
    }

    /// <summary>The <c>google.rpc.Status</c> in the trailers, or null when there is none.</summary>
    public Google.Rpc.Status? GetRpcStatus()
    {
        var bytes = Trailers.GetValueBytes(Metadata.StatusDetailsKey);
        return bytes is null ? null : Google.Rpc.Status.Parser.ParseFrom(bytes);
    }
}
