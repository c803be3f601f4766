using Google.Protobuf;

namespace GraphGrpc.Transport.Internal;

/// <summary>The request stream of a call.</summary>
internal sealed class HttpContextStreamReader<T>(HttpServerCallContext context, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("No message has been read yet; call MoveNext first.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        _current = await context.ReadMessageAsync(parser, cancellationToken).ConfigureAwait(false);
        return _current is not null;
    }
}

/// <summary>The response stream of a call; each message is flushed as it is written.</summary>
internal sealed class HttpContextStreamWriter<T>(HttpServerCallContext context) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public WriteOptions? WriteOptions
    {
        get => context.WriteOptions;
        set => context.WriteOptions = value;
    }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var flush = ((context.WriteOptions?.Flags ?? WriteFlags.None) & WriteFlags.BufferHint) == 0;
        return context.WriteMessageAsync(message, flush, cancellationToken.CanBeCanceled ? cancellationToken : context.CancellationToken);
    }
}
