using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;

namespace GraphGrpc.Server.Tests;

/// <summary>One whole EvaluateBatch call: a start, the chunks, and every response in order.</summary>
internal static class BatchStreams
{
    public static async Task<List<EvaluateBatchResponse>> RunAsync(GraphEvaluatorClient client, BatchStart start, params BatchChunk[] chunks)
    {
        using var call = client.EvaluateBatch();
        await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Start = start });
        foreach (var chunk in chunks)
        {
            await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Chunk = chunk });
        }
        await call.RequestStream.CompleteAsync();
        var responses = new List<EvaluateBatchResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            responses.Add(response);
        }
        return responses;
    }

    public static Contracts.V1.Tensor Values(params double[] values) => new() { Values = { values } };

    public static Contracts.V1.Tensor Scalar(double value) => new() { Values = { value } };
}
