using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Server.Tests;

internal static class EventStream
{
    /// <summary>Every event of one Evaluate call, in the order they arrived.</summary>
    public static async Task<List<EvaluateEvent>> CollectAsync(GraphEvaluatorClient client, EvaluateRequest request, CallOptions options = default)
    {
        using var call = client.Evaluate(request, options);
        var events = new List<EvaluateEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            events.Add(e);
        }
        return events;
    }
}
