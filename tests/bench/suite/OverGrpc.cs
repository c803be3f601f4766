using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;

namespace GraphGrpc.Bench.Suite;

/// <summary>
/// The service on loopback: the built server in a process of its own and the .NET client. G1 streams
/// EvaluateBatch with raw little-endian columns, reading every result column back into arrays; G4
/// is one point through a unary Evaluate.
/// </summary>
internal sealed class OverGrpc : IDisposable
{
    private const int ChunkPoints = 65_536;

    private readonly ServerProcess _server;
    private readonly GraphEvaluatorClient _client;
    private readonly Graph _graph;
    private string? _planHash;

    private OverGrpc(ServerProcess server, Graph graph)
    {
        _server = server;
        _client = GraphEvaluatorClient.ForAddress(server.Address);
        _graph = graph;
    }

    public static async Task<OverGrpc> StartAsync(Graph graph) => new(await ServerProcess.StartAsync([]), graph);

    /// <summary>The server's resident memory now and at its peak, in bytes.</summary>
    public (long Rss, long PeakRss) Memory()
    {
        var sample = _server.Sample();
        return (sample.Rss, sample.PeakRss);
    }

    /// <summary>
    /// Streams the points <paramref name="repeats"/> times over in one call (the plan cached after the
    /// first call), keeps z, ∂z/∂x and ∂z/∂y of the last pass, and returns the seconds it took.
    /// <paramref name="afterFirstPass"/> runs once the first pass's results are all back.
    /// </summary>
    public async Task<double> G1Async(double[] x, double[] y, double[][] results, int repeats = 1, Action? afterFirstPass = null)
    {
        var started = Stopwatch.GetTimestamp();
        using var call = _client.EvaluateBatch();
        var start = new BatchStart { BatchInputs = { "x", "y" }, Outputs = { "z" }, Wrt = { "x", "y" }, RawTensors = true };
        if (_planHash is null)
        {
            start.Graph = _graph;
        }
        else
        {
            start.PlanHash = _planHash;
        }
        await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Start = start });
        var chunksPerPass = (x.Length + ChunkPoints - 1) / ChunkPoints;
        var reading = Task.Run(async () =>
        {
            var received = 0;
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                var response = call.ResponseStream.Current;
                if (response.Ready is { } ready)
                {
                    _planHash = ready.PlanHash;
                }
                else if (response.Result is { } result)
                {
                    var offset = (int)(result.Sequence % chunksPerPass) * ChunkPoints;
                    Read(result.Outputs["z"], results[0], offset);
                    Read(result.Gradients["x"], results[1], offset);
                    Read(result.Gradients["y"], results[2], offset);
                    if (++received == chunksPerPass)
                    {
                        afterFirstPass?.Invoke();
                    }
                }
            }
        });
        for (var sequence = 0L; sequence < (long)chunksPerPass * repeats; sequence++)
        {
            var offset = (int)(sequence % chunksPerPass) * ChunkPoints;
            var count = Math.Min(ChunkPoints, x.Length - offset);
            var chunk = new BatchChunk { Sequence = sequence };
            chunk.Columns["x"] = Column(x.AsSpan(offset, count));
            chunk.Columns["y"] = Column(y.AsSpan(offset, count));
            await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Chunk = chunk });
        }
        await call.RequestStream.CompleteAsync();
        await reading;
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>One unary Evaluate call, its round trip in seconds.</summary>
    public async Task<double> UnaryAsync(EvaluateRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        await _client.EvaluateUnaryAsync(request);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static Tensor Column(ReadOnlySpan<double> values) =>
        new() { Shape = { values.Length }, Raw = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };

    private static void Read(Tensor column, double[] into, int offset) =>
        MemoryMarshal.Cast<byte, double>(column.Raw.Span).CopyTo(into.AsSpan(offset));

    public void Dispose() => _server.Dispose();
}
