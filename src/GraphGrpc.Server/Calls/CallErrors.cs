using System.Threading.Channels;
using GraphGrpc.Server.Evaluation;

namespace GraphGrpc.Server.Calls;

/// <summary>
/// The status a call ends with for what its handler threw. An RpcException keeps its own status;
/// the rest are named, so a client sees why rather than grpc-dotnet's generic UNKNOWN.
/// </summary>
internal static class CallErrors
{
    public static RpcException ToRpcException(Exception exception, ServerCallContext context) => exception switch
    {
        RpcException rpc => rpc,
        // The call's token fires for the client going away or for the deadline; only the first aborts
        // the request. (grpc-dotnet's deadline timer can fire a hair before the deadline by the clock.)
        OperationCanceledException or ChannelClosedException when !ClientLeft(context) && context.Deadline != DateTime.MaxValue =>
            new RpcException(new Status(StatusCode.DeadlineExceeded, "the deadline expired before the evaluation finished")),
        OperationCanceledException or ChannelClosedException =>
            new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled before the evaluation finished")),
        // Kestrel's BadHttpRequestException is one: the request stream broke off, e.g. in the middle of a message.
        IOException io => new RpcException(new Status(StatusCode.Internal, $"reading the request failed: {io.Message}")),
        InsufficientExecutionStackException or OutOfMemoryException =>
            new RpcException(new Status(StatusCode.ResourceExhausted, $"the evaluation ran out of resources: {exception.Message}")),
        _ => new RpcException(new Status(StatusCode.Internal, $"the server failed: {exception.GetType().Name}: {exception.Message}")),
    };

    /// <summary>
    /// A RESOURCE_EXHAUSTED for a limit the request broke (not the concurrency gate's refusal, which
    /// carries its own delay) says not to retry: the same request would break it again, and retry
    /// policies that retry RESOURCE_EXHAUSTED for overload honour a negative pushback.
    /// </summary>
    public static RpcException WithRetryAdvice(RpcException status)
    {
        if (status.StatusCode != StatusCode.ResourceExhausted || status.Trailers.Get(ConcurrencyGate.PushbackTrailer) is not null)
        {
            return status;
        }
        var trailers = new Metadata();
        foreach (var entry in status.Trailers)
        {
            trailers.Add(entry);
        }
        trailers.Add(ConcurrencyGate.PushbackTrailer, "-1");
        return new RpcException(status.Status, trailers);
    }

    private static bool ClientLeft(ServerCallContext context) => context.GetHttpContext().RequestAborted.IsCancellationRequested;
}
