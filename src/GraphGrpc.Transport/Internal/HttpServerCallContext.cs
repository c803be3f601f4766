using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GraphGrpc.Transport.Internal;

/// <summary>
/// One call on one HTTP/2 stream: its deadline, its metadata, and the writing of messages and of
/// the final status, as trailers or, when nothing was sent yet, as a Trailers-Only response.
/// </summary>
internal sealed class HttpServerCallContext : ServerCallContext, IAsyncDisposable
{
    private static readonly string[] StatusCodeStrings =
        Enumerable.Range(0, 17).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    private readonly HttpContext _http;
    private readonly ServerMethod _method;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private string? _requestEncoding;
    private string? _acceptEncoding;
    private string? _responseEncoding;
    private string? _responseCompression;
    private bool _headersSent;
    private bool _callComplete;

    // Set only when the call has a deadline: the timer may end the call while the handler runs,
    // so writes and the final status then go through the lock.
    private DateTime _deadline = DateTime.MaxValue;
    private CancellationTokenSource? _callCts;
    private Timer? _deadlineTimer;
    private SemaphoreSlim? _writeLock;
    private Task? _deadlineCompletion;
    private volatile bool _deadlineExpired;

    public HttpServerCallContext(HttpContext http, ServerMethod method)
    {
        _http = http;
        _method = method;
        _responseCompression = method.Options.ResponseCompressionAlgorithm;
    }

    public override string Method => _method.Path;

    public override string Host => _http.Request.Host.Value ?? "";

    public override string Peer => FormatPeer(_http.Connection.RemoteIpAddress, _http.Connection.RemotePort);

    public override DateTime Deadline => _deadline;

    public override Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders();

    public override CancellationToken CancellationToken => _callCts?.Token ?? _http.RequestAborted;

    public override Metadata ResponseTrailers => _responseTrailers ??= [];

    public override Status Status { get; set; } = Status.DefaultSuccess;

    public override WriteOptions? WriteOptions { get; set; }

    public override string? ResponseCompression
    {
        get => _responseCompression;
        set
        {
            if (value is not null && !GrpcProtocol.IsSupportedEncoding(value))
            {
                throw new ArgumentException($"Unsupported response compression '{value}'; supported: {GrpcProtocol.SupportedEncodings}.", nameof(value));
            }
            _responseCompression = value;
        }
    }

    public override bool LastRequestCompressed => _lastRequestCompressed;

    private bool _lastRequestCompressed;

    public bool DeadlineExpired => _deadlineExpired;

    public ILogger Logger => _method.Logger;

    public override HttpContext GetHttpContext() => _http;

    /// <summary>Reads the transport headers; returns the status to fail the call with, if any.</summary>
    public Status? Initialize()
    {
        var headers = _http.Request.Headers;
        var encoding = GrpcProtocol.GetHeader(headers, GrpcProtocol.EncodingHeader);
        if (encoding is not null && !GrpcProtocol.IsSupportedEncoding(encoding))
        {
            _http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
            return new Status(StatusCode.Unimplemented,
                $"Unsupported grpc-encoding '{encoding}'. Supported encodings: {GrpcProtocol.SupportedEncodings}.");
        }
        _requestEncoding = encoding;
        _acceptEncoding = GrpcProtocol.GetHeader(headers, GrpcProtocol.AcceptEncodingHeader);

        var timeoutHeader = GrpcProtocol.GetHeader(headers, GrpcProtocol.TimeoutHeader);
        if (timeoutHeader is not null)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var timeout))
            {
                return new Status(StatusCode.Internal,
                    $"Malformed grpc-timeout '{timeoutHeader}': expected at most 8 digits and a unit (H, M, S, m, u or n).");
            }
            if (timeout < GrpcTimeout.MaxTimer)
            {
                StartDeadline(timeout);
            }
        }
        return null;
    }

    private void StartDeadline(TimeSpan timeout)
    {
        _deadline = DateTime.UtcNow + timeout;
        _callCts = CancellationTokenSource.CreateLinkedTokenSource(_http.RequestAborted);
        _writeLock = new SemaphoreSlim(1, 1);
        _deadlineTimer = new Timer(static state => ((HttpServerCallContext)state!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    private void OnDeadline()
    {
        _deadlineExpired = true;
        _deadlineCompletion = CompleteOnDeadlineAsync();
    }

    private async Task CompleteOnDeadlineAsync()
    {
        try
        {
            await _callCts!.CancelAsync().ConfigureAwait(false);
        }
        catch (AggregateException ex)
        {
            Logger.LogDebug(ex, "A cancellation callback of {Method} threw.", Method);
        }

        await _writeLock!.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_callComplete)
            {
                return;
            }
            _callComplete = true;
            WriteStatus(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            await _http.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
        {
            Logger.LogDebug(ex, "Could not send DEADLINE_EXCEEDED for {Method}; the client is gone.", Method);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var callToken = CancellationToken;
        if (cancellationToken.CanBeCanceled && callToken.CanBeCanceled && cancellationToken != callToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callToken);
            return await ReadCoreAsync(parser, linked.Token).ConfigureAwait(false);
        }
        return await ReadCoreAsync(parser, cancellationToken.CanBeCanceled ? cancellationToken : callToken).ConfigureAwait(false);
    }

    private async ValueTask<T?> ReadCoreAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var (message, compressed) = await MessageReader.ReadAsync(
            _http.Request.BodyReader, parser, _method.Options.MaxReceiveMessageSize, _requestEncoding, cancellationToken).ConfigureAwait(false);
        if (message is not null)
        {
            _lastRequestCompressed = compressed;
        }
        return message;
    }

    /// <summary>Reads the one request of a unary or server-streaming call, which must be alone.</summary>
    public async ValueTask<T> ReadSingleMessageAsync<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        var message = await ReadMessageAsync(parser, CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "The request stream ended without the request message.");
        if (await ReadMessageAsync(parser, CancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.Internal, "The call takes one request message but the client sent more.");
        }
        return message;
    }

    public async Task WriteMessageAsync(IMessage message, bool flush, CancellationToken cancellationToken)
    {
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            if (_callComplete)
            {
                throw new InvalidOperationException(_deadlineExpired
                    ? "Can't write the message: the call's deadline has passed."
                    : "Can't write the message: the call is complete.");
            }
            // Kestrel drops writes to a stream whose client is gone without failing them, so a
            // handler streaming to a vanished client must be stopped here.
            _http.RequestAborted.ThrowIfCancellationRequested();
            if (!_headersSent)
            {
                SendHeadersWithFirstMessage();
            }
            var compression = _responseEncoding is not null && ((WriteOptions?.Flags ?? WriteFlags.None) & WriteFlags.NoCompress) == 0
                ? _responseEncoding
                : null;
            var writer = _http.Response.BodyWriter;
            MessageWriter.Write(writer, message, compression, _method.Options.ResponseCompressionLevel, _method.Options.MaxSendMessageSize);
            if (flush)
            {
                var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCanceled || result.IsCompleted)
                {
                    throw new OperationCanceledException("The response stream was closed: the client is gone.", _http.RequestAborted);
                }
            }
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    public override async Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync(CancellationToken).ConfigureAwait(false);
        }
        try
        {
            if (_headersSent || _callComplete)
            {
                throw new InvalidOperationException("Response headers can only be sent once per call, before any message.");
            }
            var headers = _http.Response.Headers;
            foreach (var entry in responseHeaders)
            {
                headers.Append(entry.Key, MetadataWire.ToHeaderValue(entry));
            }
            SendHeadersWithFirstMessage();
            // Kestrel starts the response on a flush; the HEADERS frame goes out at once.
            await _http.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    private void SendHeadersWithFirstMessage()
    {
        _headersSent = true;
        if (_responseCompression is { } encoding
            && !string.Equals(encoding, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase)
            && GrpcProtocol.AcceptsEncoding(_acceptEncoding, encoding))
        {
            _responseEncoding = encoding;
            _http.Response.Headers[GrpcProtocol.EncodingHeader] = encoding;
        }
    }

    /// <summary>Ends the call with the handler's status, or with the given one.</summary>
    public async Task EndCallAsync(Status? status = null, Metadata? trailers = null)
    {
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
        }
        try
        {
            if (_callComplete)
            {
                return;
            }
            _callComplete = true;
            if (trailers is not null)
            {
                foreach (var entry in trailers)
                {
                    ResponseTrailers.Add(entry);
                }
            }
            WriteStatus(status ?? Status);
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    /// <summary>Ends the call for a handler that threw, without leaking its stack trace.</summary>
    public Task EndCallWithExceptionAsync(Exception exception)
    {
        switch (exception)
        {
            case RpcException rpc:
                return EndCallAsync(rpc.Status, rpc.Trailers);
            case OperationCanceledException when _deadlineExpired:
                return EndCallAsync(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            case OperationCanceledException or IOException or ConnectionAbortedException when _http.RequestAborted.IsCancellationRequested:
                Logger.LogDebug("The client canceled {Method}.", Method);
                return EndCallAsync(new Status(StatusCode.Cancelled, "The client canceled the call."));
            default:
                Logger.LogError(exception, "The handler of {Method} threw.", Method);
                var detail = _method.Options.EnableDetailedErrors
                    ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
                    : "Exception was thrown by handler.";
                return EndCallAsync(new Status(StatusCode.Unknown, detail));
        }
    }

    private void WriteStatus(Status status)
    {
        var response = _http.Response;
        if (_http.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        if (!_headersSent && !response.HasStarted)
        {
            // Trailers-Only: the status rides in the only HEADERS frame, which ends the stream.
            var headers = response.Headers;
            headers[GrpcProtocol.StatusHeader] = StatusCodeStrings[(int)status.StatusCode];
            if (!string.IsNullOrEmpty(status.Detail))
            {
                headers[GrpcProtocol.MessageHeader] = StatusMessageEncoding.Encode(status.Detail);
            }
            if (_responseTrailers is not null)
            {
                foreach (var entry in _responseTrailers)
                {
                    headers.Append(entry.Key, MetadataWire.ToHeaderValue(entry));
                }
            }
            return;
        }

        response.AppendTrailer(GrpcProtocol.StatusHeader, StatusCodeStrings[(int)status.StatusCode]);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, StatusMessageEncoding.Encode(status.Detail));
        }
        if (_responseTrailers is not null)
        {
            foreach (var entry in _responseTrailers)
            {
                response.AppendTrailer(entry.Key, MetadataWire.ToHeaderValue(entry));
            }
        }
    }

    private Metadata ReadRequestHeaders()
    {
        var metadata = new Metadata();
        foreach (var (key, values) in _http.Request.Headers)
        {
            if (!GrpcProtocol.IsReservedRequestHeader(key))
            {
                MetadataWire.AddFromHeader(metadata, key, values);
            }
        }
        return metadata;
    }

    private static string FormatPeer(IPAddress? address, int port) => address switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
        _ => $"ipv4:{address}:{port}",
    };

    public async ValueTask DisposeAsync()
    {
        if (_deadlineTimer is not null)
        {
            // Waits for a running timer callback, so the deadline never touches a recycled HttpContext.
            await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
            if (_deadlineCompletion is { } completion)
            {
                await completion.ConfigureAwait(false);
            }
            _callCts!.Dispose();
        }
    }
}
