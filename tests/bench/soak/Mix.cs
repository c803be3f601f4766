using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Bench.Soak;

/// <summary>The soak's mix of calls, what each does, and the statuses each may end with.</summary>
internal static class Mix
{
    private static readonly (string Kind, int Weight)[] Weights =
        [("evaluate", 30), ("unary", 25), ("batch", 10), ("invalid", 15), ("cancel", 10), ("deadline", 10)];

    private static readonly EvaluateRequest Small = new() { Graph = GraphGenerator.FanOutFanIn(8) };

    // A cycle and a dangling input: INVALID_ARGUMENT, whatever the RPC.
    private static readonly EvaluateRequest Invalid = new()
    {
        Graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "a", Inputs = { "b" }, Neg = new Neg() },
                new Node { Id = "b", Inputs = { "a", "ghost" }, Add = new Add() },
            },
        },
    };

    // 3,000 values of 8 KiB: a stream long enough to be cancelled after its first event.
    private static readonly EvaluateRequest Long = new() { Graph = Chain(3000, 1024, matmul: false) };

    // Forty 100×100 matrix products: far longer than the 5 ms deadline it gets.
    private static readonly EvaluateRequest Slow = new()
    {
        Graph = Chain(40, 100, matmul: true),
        Values = new NodeSelection { Mode = NodeSelection.Types.Mode.None },
        Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.None },
    };

    public static string Pick(Random random)
    {
        var roll = random.Next(Weights.Sum(w => w.Weight));
        foreach (var (kind, weight) in Weights)
        {
            if ((roll -= weight) < 0)
            {
                return kind;
            }
        }
        return Weights[0].Kind;
    }

    /// <summary>
    /// RESOURCE_EXHAUSTED is the server shedding load (MaxConcurrentEvaluations refuses, never
    /// queues). With fewer clients than slots it happens only while cancelled or expired calls
    /// still hold their slot until their work has stopped; the report counts it apart.
    /// </summary>
    public static IReadOnlySet<string> Expected(string kind) => kind switch
    {
        "invalid" => new HashSet<string> { "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED" },
        // A stream that ends before the cancel reaches it finishes OK.
        "cancel" => new HashSet<string> { "CANCELLED", "OK", "RESOURCE_EXHAUSTED" },
        "deadline" => new HashSet<string> { "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED" },
        _ => new HashSet<string> { "OK", "RESOURCE_EXHAUSTED" },
    };

    public static async Task<string> RunAsync(GraphEvaluatorClient client, string kind, Random random)
    {
        try
        {
            switch (kind)
            {
                case "evaluate":
                    await Drain(client.Evaluate(Small, Within(10)));
                    break;
                case "unary":
                    await client.EvaluateUnaryAsync(Small, Within(10));
                    break;
                case "batch":
                    await BatchAsync(client, random);
                    break;
                case "invalid":
                    if (random.Next(2) == 0)
                    {
                        await client.EvaluateUnaryAsync(Invalid, Within(10));
                    }
                    else
                    {
                        await Drain(client.Evaluate(Invalid, Within(10)));
                    }
                    break;
                case "cancel":
                    using (var cancel = new CancellationTokenSource())
                    using (var call = client.Evaluate(Long, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancel.Token)))
                    {
                        await call.ResponseStream.MoveNext(CancellationToken.None);
                        await cancel.CancelAsync();
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                        }
                    }
                    break;
                default:
                    await client.EvaluateUnaryAsync(Slow, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(5)));
                    break;
            }
            return "OK";
        }
        catch (RpcException e)
        {
            return Name(e.StatusCode);
        }
    }

    private static async Task BatchAsync(GraphEvaluatorClient client, Random random)
    {
        using var call = client.EvaluateBatch(Within(30));
        await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Start = new BatchStart { Graph = Small.Graph, BatchInputs = { "x" } } });
        if (!await call.ResponseStream.MoveNext(CancellationToken.None) || call.ResponseStream.Current.Ready is null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "the batch did not start with BatchReady"));
        }
        for (var c = 0; c < 4; c++)
        {
            var column = new Tensor { Shape = { 1024 } };
            column.Values.Add(Enumerable.Range(0, 1024).Select(_ => random.NextDouble()));
            await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Chunk = new BatchChunk { Sequence = c, Columns = { ["x"] = column } } });
            if (!await call.ResponseStream.MoveNext(CancellationToken.None) || call.ResponseStream.Current.Result?.Sequence != c)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"chunk {c} had no result"));
            }
        }
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
    }

    private static async Task Drain(AsyncServerStreamingCall<EvaluateEvent> call)
    {
        using (call)
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }
    }

    private static CallOptions Within(int seconds) => new(deadline: DateTime.UtcNow.AddSeconds(seconds));

    private static Graph Chain(int length, int n, bool matmul)
    {
        int[] shape = matmul ? [n, n] : [n];
        var value = new Tensor { Shape = { shape.Select(d => (long)d) } };
        value.Values.Add(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(i => matmul && i % (n + 1) == 0 ? 1.0 : 1e-6));
        var graph = new Graph
        {
            Nodes = { new Node { Id = "m", Input = new Input { Value = value } }, new Node { Id = "c0", Input = new Input { Value = value } } },
        };
        for (var i = 1; i < length; i++)
        {
            var node = new Node { Id = $"c{i}", Inputs = { $"c{i - 1}" } };
            if (matmul)
            {
                node.Inputs.Add("m");
                node.Matmul = new MatMul();
            }
            else
            {
                node.Neg = new Neg();
            }
            graph.Nodes.Add(node);
        }
        graph.Nodes.Add(new Node { Id = "loss", Inputs = { $"c{length - 1}" }, Sum = new Sum() });
        return graph;
    }

    public static string Name(StatusCode status) => status switch
    {
        StatusCode.OK => "OK",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unknown => "UNKNOWN",
        _ => status.ToString().ToUpperInvariant(),
    };
}
