using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GraphGrpc.Client;

/// <summary>
/// Makes every failure of a call an RpcException with the status of its cause: DEADLINE_EXCEEDED
/// once the deadline has passed, CANCELLED once the caller cancelled. The server ends such a call
/// too, and when its reset of the stream reaches the client before the client's own deadline timer
/// fires, grpc-dotnet reports the reset instead (UNAVAILABLE, or from a request stream's write a
/// raw HttpProtocolException).
/// </summary>
internal sealed class DeadlineStatusInterceptor : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        var options = context.Options;
        return new AsyncUnaryCall<TResponse>(Checked(call.ResponseAsync, options), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(
            new CheckedReader<TResponse>(call.ResponseStream, context.Options), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            new CheckedWriter<TRequest>(call.RequestStream, context.Options), Checked(call.ResponseAsync, context.Options),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            new CheckedWriter<TRequest>(call.RequestStream, context.Options), new CheckedReader<TResponse>(call.ResponseStream, context.Options),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    /// <summary>Whether a failure must surface as something else than itself.</summary>
    private static bool Misleads(Exception error, CallOptions options) => !ReferenceEquals(Cause(error, options), error);

    /// <summary>The exception a failure should surface as, given the call's deadline and token.</summary>
    private static Exception Cause(Exception error, CallOptions options)
    {
        // Only what the connection or the server did is translated; a caller's misuse stays as it is.
        var fromTheWire = error is RpcException or IOException or HttpRequestException;
        if (!fromTheWire || error is RpcException { StatusCode: StatusCode.DeadlineExceeded }
            || (error is RpcException { StatusCode: StatusCode.Cancelled } && options.CancellationToken.IsCancellationRequested))
        {
            return error;
        }
        var detail = error is RpcException rpc ? rpc.Status.Detail : error.Message;
        if (options.Deadline is { } deadline && DateTime.UtcNow >= deadline)
        {
            return new RpcException(new Status(StatusCode.DeadlineExceeded, $"the deadline passed ({detail})", error));
        }
        if (options.CancellationToken.IsCancellationRequested)
        {
            return new RpcException(new Status(StatusCode.Cancelled, $"the call was cancelled ({detail})", error));
        }
        return error is RpcException ? error : new RpcException(new Status(StatusCode.Unavailable, $"the stream broke off: {detail}", error));
    }

    private static async Task<T> Checked<T>(Task<T> task, CallOptions options)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (Exception e) when (Misleads(e, options))
        {
            throw Cause(e, options);
        }
    }

    private sealed class CheckedReader<T>(IAsyncStreamReader<T> inner, CallOptions options) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (Misleads(e, options))
            {
                throw Cause(e, options);
            }
        }
    }

    private sealed class CheckedWriter<T>(IClientStreamWriter<T> inner, CallOptions options) : IClientStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            try
            {
                await inner.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (Misleads(e, options))
            {
                throw Cause(e, options);
            }
        }

        public async Task CompleteAsync()
        {
            try
            {
                await inner.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (Misleads(e, options))
            {
                throw Cause(e, options);
            }
        }
    }
}
