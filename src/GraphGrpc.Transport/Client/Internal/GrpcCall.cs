using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using GraphGrpc.Transport.Internal;
using Microsoft.Extensions.Primitives;

namespace GraphGrpc.Transport.Client.Internal;

/// <summary>
/// One client call over one HTTP/2 stream. The final status comes from exactly one place: the
/// trailers, a Trailers-Only response, a non-gRPC HTTP response, the deadline, a cancellation,
/// or a transport failure, whichever happens first.
/// </summary>
internal sealed class GrpcCall<TRequest, TResponse> : ICallState, IAsyncStreamReader<TResponse>, IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private const string UserAgent = "graphgrpc-dotnet/1.0";

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly string? _requestCompression;
    private readonly CancellationTokenSource _callCts = new();
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private PushRequestContent? _content;
    private Task<HttpResponseMessage?> _response = Task.FromResult<HttpResponseMessage?>(null);
    private PipeReader? _reader;
    private string? _responseEncoding;
    private Status? _status;
    private Metadata _trailers = [];
    private Timer? _deadlineTimer;
    private CancellationTokenRegistration _cancellation;
    private TResponse? _current;
    private bool _requestCompleted;

    private GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _requestCompression = options.RequestCompression ?? channel.Options.RequestCompression;
        if (string.Equals(_requestCompression, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            _requestCompression = null;
        }
        WriteOptions = options.WriteOptions;
    }

    public static GrpcCall<TRequest, TResponse> Start(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options, TRequest? request)
    {
        ArgumentNullException.ThrowIfNull(method);
        var call = new GrpcCall<TRequest, TResponse>(channel, method, options);
        call.StartCore(request);
        return call;
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public WriteOptions? WriteOptions { get; set; }

    public TResponse Current => _current ?? throw new InvalidOperationException("No message has been read yet; call MoveNext first.");

    private void StartCore(TRequest? request)
    {
        ReadOnlyMemory<byte>? single = null;
        if (request is not null)
        {
            try
            {
                single = Frame(request);
            }
            catch (RpcException ex)
            {
                Finish(ex.Status, null);
                return;
            }
        }

        if (_options.Deadline is { } deadline)
        {
            var timeout = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (timeout <= TimeSpan.Zero)
            {
                Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null);
                return;
            }
            if (timeout < GrpcTimeout.MaxTimer)
            {
                _deadlineTimer = new Timer(static state => ((GrpcCall<TRequest, TResponse>)state!).Cancel(
                    new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")), this, timeout, Timeout.InfiniteTimeSpan);
            }
        }
        if (_options.CancellationToken.IsCancellationRequested)
        {
            Finish(new Status(StatusCode.Cancelled, "The call was canceled before it started."), null);
            return;
        }
        _cancellation = _options.CancellationToken.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).Cancel(
            new Status(StatusCode.Cancelled, "The call was canceled by the client.")), this);

        _content = new PushRequestContent(single);
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = _content,
        };
        var headers = message.Headers;
        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.TryAddWithoutValidation("User-Agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_requestCompression is not null)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, _requestCompression);
        }
        if (_options.Deadline is { } d)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(d.ToUniversalTime() - DateTime.UtcNow));
        }
        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, MetadataWire.ToHeaderValue(entry));
            }
        }
        _response = SendAsync(message);
    }

    private async Task<HttpResponseMessage?> SendAsync(HttpRequestMessage request)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await _channel.Invoker.SendAsync(request, _callCts.Token).ConfigureAwait(false);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            var grpcStatus = HeaderValue(response.Headers, GrpcProtocol.StatusHeader);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Finish(grpcStatus is not null
                    ? ReadStatus(response.Headers)
                    : new Status(HttpStatusMapping.ToStatusCode(response.StatusCode), $"Bad gRPC response: HTTP status {(int)response.StatusCode}."), null);
                response.Dispose();
                return null;
            }
            if (!GrpcProtocol.IsGrpcContentType(contentType))
            {
                Finish(new Status(StatusCode.Internal, $"Bad gRPC response: content-type '{contentType}'."), null);
                response.Dispose();
                return null;
            }
            _headers.TrySetResult(ReadMetadata(response.Headers));
            if (grpcStatus is not null)
            {
                // Trailers-Only: the headers carry the status and the body is empty.
                Finish(ReadStatus(response.Headers), ReadMetadata(response.Headers));
                response.Dispose();
                return null;
            }
            _responseEncoding = HeaderValue(response.Headers, GrpcProtocol.EncodingHeader);
            var stream = await response.Content.ReadAsStreamAsync(_callCts.Token).ConfigureAwait(false);
            _reader = PipeReader.Create(stream);
            return response;
        }
        catch (Exception ex)
        {
            response?.Dispose();
            Finish(StatusFromException(ex, "Error starting gRPC call"), null);
            return null;
        }
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var response = await _response.ConfigureAwait(false);
        if (response is null || _reader is null || _status is not null)
        {
            ThrowIfFailed();
            return false;
        }
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callCts.Token);
            var (message, _) = await MessageReader.ReadAsync(_reader, _method.ResponseParser,
                _channel.Options.MaxReceiveMessageSize, _responseEncoding, linked.Token).ConfigureAwait(false);
            if (message is not null)
            {
                _current = message;
                return true;
            }
            var trailers = response.TrailingHeaders;
            Finish(HeaderValue(trailers, GrpcProtocol.StatusHeader) is null
                ? new Status(StatusCode.Internal, "The response ended without a grpc-status trailer.")
                : ReadStatus(trailers), ReadMetadata(trailers));
        }
        catch (RpcException ex)
        {
            // A protocol fault in the response (size, framing, decoding): the call cannot go on.
            Cancel(ex.Status);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Cancel(new Status(StatusCode.Cancelled, "The call was canceled by the client."));
        }
        catch (Exception ex)
        {
            Finish(StatusFromException(ex, "Error reading the response"), null);
        }
        ThrowIfFailed();
        return false;
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        if (!await MoveNext(CancellationToken.None).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Internal, "The server ended the call without a response message."), _trailers);
        }
        var response = _current!;
        if (await MoveNext(CancellationToken.None).ConfigureAwait(false))
        {
            Cancel(new Status(StatusCode.Internal, "The server sent more than one response message to a call that takes one."));
            ThrowIfFailed();
        }
        return response;
    }

    public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            if (_requestCompleted)
            {
                throw new InvalidOperationException("The request stream is already complete.");
            }
        }
        ThrowIfFinished();
        var framed = Frame(message);
        var stream = await _content!.StreamAsync.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
            ThrowIfFinished();
            throw new RpcException(StatusFromException(ex, "Error writing a request message"));
        }
    }

    public Task CompleteAsync()
    {
        lock (_lock)
        {
            _requestCompleted = true;
        }
        _content?.Complete();
        return Task.CompletedTask;
    }

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished; its status is not known yet.");

    public Metadata GetTrailers() => _status is null
        ? throw new InvalidOperationException("The call has not finished; its trailers are not known yet.")
        : _trailers;

    public void Dispose()
    {
        Cancel(new Status(StatusCode.Cancelled, "The call was disposed before it finished."));
        _deadlineTimer?.Dispose();
        _cancellation.Dispose();
        if (_response.IsCompletedSuccessfully)
        {
            _response.Result?.Dispose();
        }
    }

    private ReadOnlyMemory<byte> Frame(TRequest message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var compress = _requestCompression is not null && ((WriteOptions?.Flags ?? WriteFlags.None) & WriteFlags.NoCompress) == 0;
        MessageWriter.Write(buffer, message, compress ? _requestCompression : null, _channel.Options.CompressionLevel, _channel.Options.MaxSendMessageSize);
        return buffer.WrittenMemory;
    }

    /// <summary>Ends the call from the client side and resets the HTTP/2 stream.</summary>
    private void Cancel(Status status)
    {
        if (Finish(status, null, abort: true))
        {
            _callCts.Cancel();
            if (_response.IsCompletedSuccessfully)
            {
                _response.Result?.Dispose();
            }
        }
    }

    /// <summary>
    /// Records the final status if none is recorded yet; true if this call set it. An aborted call
    /// fails its request body, which makes HttpClient reset the stream (RST_STREAM) rather than end it.
    /// </summary>
    private bool Finish(Status status, Metadata? trailers, bool abort = false)
    {
        lock (_lock)
        {
            if (_status is not null)
            {
                return false;
            }
            _status = status;
            _trailers = trailers ?? [];
        }
        var exception = new RpcException(status, _trailers);
        if (_headers.TrySetException(exception))
        {
            // Callers need not await the headers; an unread failure there is not an error.
            _ = _headers.Task.Exception;
        }
        if (abort)
        {
            _content?.Abort(exception);
        }
        else
        {
            _content?.Fail(status.StatusCode == StatusCode.OK
                ? new InvalidOperationException("The call is complete; no more requests can be written.")
                : exception);
        }
        _deadlineTimer?.Dispose();
        return true;
    }

    private void ThrowIfFailed()
    {
        if (_status is { } status && status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status, _trailers);
        }
    }

    private void ThrowIfFinished()
    {
        ThrowIfFailed();
        if (_status is not null)
        {
            throw new InvalidOperationException("The call is complete; no more requests can be written.");
        }
    }

    private Status StatusFromException(Exception exception, string context) => exception switch
    {
        RpcException rpc => rpc.Status,
        HttpProtocolException { ErrorCode: 0x8 } => new Status(StatusCode.Cancelled, $"{context}: the server canceled the stream."),
        HttpProtocolException protocol => new Status(StatusCode.Internal, $"{context}: HTTP/2 error {protocol.ErrorCode}: {protocol.Message}"),
        OperationCanceledException when _options.CancellationToken.IsCancellationRequested => new Status(StatusCode.Cancelled, "The call was canceled by the client."),
        HttpRequestException or IOException => new Status(StatusCode.Unavailable, $"{context}: {exception.Message}"),
        _ => new Status(StatusCode.Internal, $"{context}: {exception.GetType().Name}: {exception.Message}"),
    };

    private static string? HeaderValue(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    private static Status ReadStatus(HttpHeaders headers)
    {
        var code = HeaderValue(headers, GrpcProtocol.StatusHeader);
        if (!int.TryParse(code, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            return new Status(StatusCode.Unknown, $"The server sent an invalid grpc-status '{code}'.");
        }
        var message = HeaderValue(headers, GrpcProtocol.MessageHeader);
        return new Status((StatusCode)value, message is null ? "" : StatusMessageEncoding.Decode(message));
    }

    private static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers.NonValidated)
        {
            if (IsTransportHeader(key))
            {
                continue;
            }
            try
            {
                MetadataWire.AddFromHeader(metadata, key, new StringValues(values.ToArray()));
            }
            catch (RpcException)
            {
                // An undecodable -bin value from the server is dropped rather than failing the call.
            }
        }
        return metadata;
    }

    private static bool IsTransportHeader(string key) =>
        key.Equals(GrpcProtocol.StatusHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(GrpcProtocol.MessageHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(GrpcProtocol.EncodingHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(GrpcProtocol.AcceptEncodingHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || key.Equals("date", StringComparison.OrdinalIgnoreCase)
        || key.Equals("server", StringComparison.OrdinalIgnoreCase);
}
