using System.Net;

namespace GraphGrpc.Transport.Client.Internal;

/// <summary>
/// The request body of a call. A single message is written at once; a request stream hands the
/// HTTP/2 stream to the writer and stays open until the client half-closes or the call ends.
/// </summary>
internal sealed class PushRequestContent : HttpContent
{
    private readonly ReadOnlyMemory<byte>? _singleMessage;
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PushRequestContent(ReadOnlyMemory<byte>? singleMessage)
    {
        _singleMessage = singleMessage;
        Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
    }

    /// <summary>The request stream, once HttpClient has sent the headers.</summary>
    public Task<Stream> StreamAsync => _stream.Task;

    /// <summary>Half-closes: the body ends and HTTP/2 sends END_STREAM.</summary>
    public void Complete() => _complete.TrySetResult();

    /// <summary>The call ended: pending and later writes fail with this exception.</summary>
    public void Fail(Exception exception)
    {
        SetStreamException(exception);
        _complete.TrySetResult();
    }

    /// <summary>The client gave up on the call: the body fails, so HttpClient resets the stream.</summary>
    public void Abort(Exception exception)
    {
        SetStreamException(exception);
        _complete.TrySetException(exception);
    }

    /// <summary>A call that never writes never awaits the stream: its failure is not left unobserved.</summary>
    private void SetStreamException(Exception exception)
    {
        if (_stream.TrySetException(exception))
        {
            _ = _stream.Task.Exception;
        }
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_singleMessage is { } message)
        {
            await stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            return;
        }
        _stream.TrySetResult(stream);
        await _complete.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
