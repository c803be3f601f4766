using Google.Protobuf;
using System.Net;
using System.Net.Sockets;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;
using Grpc.Net.Client;

namespace GraphGrpc.Server.Tests.Reliability;

/// <summary>
/// A client whose connection drops in the middle of a call: the handler is cancelled and its
/// evaluation slot comes free, long before the work could have finished on its own.
/// </summary>
public sealed class ConnectionCutTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Evaluate_ConnectionCutWhileEvaluating_HandlerCancelledAndSlotReleased()
    {
        using var connection = new CuttableConnection();
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = connection.Handler });
        var call = new GraphEvaluatorClient(channel).Evaluate(Graphs.Quiet(Graphs.SlowChain(1000)));
        var reading = call.ResponseStream.MoveNext(CancellationToken.None);
        await WaitFor.Condition(() => server.Gate.Active == 1);

        connection.Cut();

        await WaitFor.Condition(() => server.Gate.Active == 0, Prompt);
        await Assert.ThrowsAnyAsync<Exception>(() => reading);
    }

    [Fact]
    public async Task EvaluateBatch_ConnectionCutBetweenChunks_HandlerCancelledAndSlotReleased()
    {
        using var connection = new CuttableConnection();
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = connection.Handler });
        var call = new GraphEvaluatorClient(channel).EvaluateBatch();
        await call.RequestStream.WriteAsync(new EvaluateBatchRequest
        {
            Start = new BatchStart { Graph = GraphGenerator.FanOutFanIn(4), BatchInputs = { "x" } },
        });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.NotNull(call.ResponseStream.Current.Ready);
        Assert.Equal(1, server.Gate.Active);

        connection.Cut();

        await WaitFor.Condition(() => server.Gate.Active == 0, Prompt);
    }

    [Fact]
    public async Task EvaluateBatch_ConnectionCutInsideAFrame_HandlerCancelledAndSlotReleased()
    {
        // The start, then a chunk frame whose prefix promises 1 MiB of which 3 bytes ever arrive.
        var start = new EvaluateBatchRequest { Start = new BatchStart { Graph = GraphGenerator.FanOutFanIn(4), BatchInputs = { "x" } } };
        var body = new HalfSentBody([.. RawGrpc.Frame(start.ToByteArray()), .. RawGrpc.Frame([1, 2, 3], claimedLength: 1 << 20)[..8]]);
        using var connection = new CuttableConnection();
        using var http = new HttpClient(connection.Handler);
        var request = new HttpRequestMessage(HttpMethod.Post, server.Address + "/graphgrpc.v1.GraphEvaluator/EvaluateBatch")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = body,
        };
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        // Whether this ends in an error or the headers depends on how far the reply got before the cut; the slot is what counts.
        _ = http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await body.Sent;
        await WaitFor.Condition(() => server.Gate.Active == 1);

        connection.Cut();

        await WaitFor.Condition(() => server.Gate.Active == 0, Prompt);
    }

    /// <summary>
    /// An HTTP handler whose TCP connection can be cut like a pulled cable. Disposing a handler is
    /// no cut: HttpClient keeps an HTTP/2 connection open until its streams end.
    /// </summary>
    private sealed class CuttableConnection : IDisposable
    {
        private readonly List<Socket> _sockets = [];

        public CuttableConnection() => Handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                lock (_sockets)
                {
                    _sockets.Add(socket);
                }
                return new NetworkStream(socket, ownsSocket: true);
            },
        };

        public SocketsHttpHandler Handler { get; }

        /// <summary>Resets every connection at once (SO_LINGER 0: an RST, no orderly close).</summary>
        public void Cut()
        {
            lock (_sockets)
            {
                foreach (var socket in _sockets)
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
            }
        }

        public void Dispose() => Handler.Dispose();
    }

    /// <summary>A request body that sends its bytes, then neither ends nor sends more.</summary>
    private sealed class HalfSentBody(byte[] bytes) : HttpContent
    {
        private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Sent => _sent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(bytes, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            _sent.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
