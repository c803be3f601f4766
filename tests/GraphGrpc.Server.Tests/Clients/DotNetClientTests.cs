using System.Diagnostics;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace GraphGrpc.Server.Tests.Clients;

/// <summary>The .NET client on Grpc.Net.Client: deadlines end as statuses, replies over 4 MiB arrive, DI registration works.</summary>
public sealed class DotNetClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static EvaluateBatchRequest Seed002Start() => new()
    {
        Start = new BatchStart { Graph = Graphs.Example("seed002-log-expression.json"), BatchInputs = { "x", "y" }, Wrt = { "x", "y" } },
    };

    private static EvaluateBatchRequest Chunk(long sequence, int points) => new()
    {
        Chunk = new BatchChunk
        {
            Sequence = sequence,
            Columns = { ["x"] = new Contracts.V1.Tensor { Values = { Enumerable.Repeat(2.0, points) } }, ["y"] = new Contracts.V1.Tensor { Values = { Enumerable.Repeat(3.0, points) } } },
        },
    };

    [Fact]
    public async Task EvaluateBatch_StreamingIntoAnExpiringDeadline_EndsAsDeadlineExceededEveryTime()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            // Deadlines from 20 to 119 ms land at every stage: before the start, between chunks, mid-write.
            var deadline = DateTime.UtcNow.AddMilliseconds(20 + attempt);
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                using var call = server.Client.EvaluateBatch(new CallOptions(deadline: deadline));
                await call.RequestStream.WriteAsync(Seed002Start());
                for (var sequence = 0L; ; sequence++)
                {
                    await call.RequestStream.WriteAsync(Chunk(sequence, 4096));
                    Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
                }
            }).WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"attempt {attempt} took {clock.Elapsed}");
        }
    }

    [Fact]
    public async Task EvaluateUnary_ReplyOver4MiB_ArrivesWithTheDefaultOptions()
    {
        // A 1000 × 1000 value of broadcast sums: 8 MB of doubles in the reply, as the server's limit allows.
        var graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "a", Input = new Input { Value = new Contracts.V1.Tensor { Shape = { 1000, 1 }, Values = { Enumerable.Range(0, 1000).Select(i => (double)i) } } } },
                new Node { Id = "b", Input = new Input { Value = new Contracts.V1.Tensor { Shape = { 1, 1000 }, Values = { Enumerable.Range(0, 1000).Select(i => (double)i) } } } },
                new Node { Id = "c", Inputs = { "a", "b" }, Add = new Add() },
            },
        };
        using var client = GraphEvaluatorClient.ForAddress(server.Address);

        var response = await client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph, Outputs = { "c" }, Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.None } });

        var c = response.Values.Single(v => v.NodeId == "c").Value;
        Assert.Equal(1_000_000, c.Values.Count);
        Assert.Equal(999.0 + 999.0, c.Values[^1]);
    }

    [Fact]
    public async Task AddGraphEvaluatorClient_FromServiceProvider_CallsTheServer()
    {
        var services = new ServiceCollection();
        services.AddGraphEvaluatorClient(new Uri(server.Address));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<GraphEvaluatorClient>();
        var response = await client.ValidateAsync(new ValidateRequest { Graph = Graphs.Example("seed003-squared-error.json") });

        Assert.True(response.Valid);
        Assert.Contains("L", response.Order);
    }
}
