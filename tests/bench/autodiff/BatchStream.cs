using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Bench.Autodiff;

/// <summary>
/// One forward-mode EvaluateBatch stream over loopback: value and tangent columns out in chunks of
/// raw little-endian bytes, written while the results are read, every output tangent column read
/// back into arrays.
/// </summary>
internal static class BatchStream
{
    private const int ChunkPoints = 65_536;

    /// <summary>Streams every point and fills <paramref name="tangents"/> (one array per output); returns the seconds it took.</summary>
    public static async Task<double> RunAsync(
        GraphEvaluatorClient client, BatchStart start, IReadOnlyList<(string Id, double[] Values, double[] Tangent)> inputs, IReadOnlyList<string> outputs, double[][] tangents)
    {
        var started = Stopwatch.GetTimestamp();
        using var call = client.EvaluateBatch();
        await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Start = start });
        var points = inputs[0].Values.Length;
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                if (call.ResponseStream.Current.Result is { } result)
                {
                    for (var o = 0; o < outputs.Count; o++)
                    {
                        MemoryMarshal.Cast<byte, double>(result.OutputTangents[outputs[o]].Raw.Span).CopyTo(tangents[o].AsSpan((int)result.Sequence * ChunkPoints));
                    }
                }
            }
        });
        for (var (sequence, offset) = (0L, 0); offset < points; sequence++, offset += ChunkPoints)
        {
            var count = Math.Min(ChunkPoints, points - offset);
            var chunk = new BatchChunk { Sequence = sequence };
            foreach (var (id, values, tangent) in inputs)
            {
                chunk.Columns[id] = Column(values.AsSpan(offset, count));
                chunk.Tangents[id] = Column(tangent.AsSpan(offset, count));
            }
            await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Chunk = chunk });
        }
        await call.RequestStream.CompleteAsync();
        await reading;
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static Tensor Column(ReadOnlySpan<double> values) =>
        new() { Shape = { values.Length }, Raw = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
}
