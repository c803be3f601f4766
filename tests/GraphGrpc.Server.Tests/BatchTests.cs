using Google.Protobuf;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Tensors;
using Grpc.Core;
using ResponseCase = GraphGrpc.Contracts.V1.EvaluateBatchResponse.MessageOneofCase;

namespace GraphGrpc.Server.Tests;

/// <summary>EvaluateBatch end to end: columns in, columns out, in order; the plan cache; bad chunks named.</summary>
public sealed class BatchTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static BatchChunk Chunk(long sequence, double[] xs, double[] ys) => new()
    {
        Sequence = sequence,
        Columns = { ["x"] = BatchStreams.Values(xs), ["y"] = BatchStreams.Values(ys) },
    };

    private static BatchStart Seed002Start() => new()
    {
        Graph = Graphs.Example("seed002-log-expression.json"),
        BatchInputs = { "x", "y" },
        Wrt = { "x", "y" },
    };

    [Fact]
    public async Task EvaluateBatch_Seed002_ResultsComeInOrderAndMatchTheEngine()
    {
        double[][] xs = [[2, 1, 0.5], [3, 4], [0.25]];
        double[][] ys = [[3, 1, 2], [0.5, 6], [7]];

        var responses = await BatchStreams.RunAsync(server.Client, Seed002Start(), Chunk(10, xs[0], ys[0]), Chunk(11, xs[1], ys[1]), Chunk(12, xs[2], ys[2]));

        Assert.Equal([ResponseCase.Ready, ResponseCase.Result, ResponseCase.Result, ResponseCase.Result, ResponseCase.Summary], responses.Select(r => r.MessageCase));
        Assert.Equal([10L, 11, 12], responses.Where(r => r.Result is not null).Select(r => r.Result.Sequence));
        Assert.Equal(6, responses[^1].Summary.Points);
        var plan = GraphCompiler.Compile(Graphs.Example("seed002-log-expression.json")).Plan!;
        var batchPlan = BatchPlan.Create(plan, new BatchRequest { BatchInputs = ["x", "y"], Outputs = ["z"], Wrt = ["x", "y"] });
        for (var c = 0; c < xs.Length; c++)
        {
            var result = responses[c + 1].Result;
            var local = BatchEvaluator.Evaluate(batchPlan, [xs[c], ys[c]], xs[c].Length);
            Assert.Equal(new long[] { xs[c].Length }, result.Outputs["z"].Shape);
            Assert.Equal(local.Outputs[0], result.Outputs["z"].Values);
            Assert.Equal(local.Gradients[0], result.Gradients["x"].Values);
            Assert.Equal(local.Gradients[1], result.Gradients["y"].Values);
        }
        var (x, y) = (xs[0][0], ys[0][0]);
        Assert.Equal((6 * x + 5 * y) / (3 * x * x + 5 * x * y), responses[1].Result.Gradients["x"].Values[0], 1e-15);
    }

    [Fact]
    public async Task EvaluateBatch_PlanHash_ReusesTheCachedPlan()
    {
        var first = await BatchStreams.RunAsync(server.Client, Seed002Start(), Chunk(1, [2], [3]));
        var hash = first[0].Ready.PlanHash;

        var second = await BatchStreams.RunAsync(server.Client, new BatchStart { PlanHash = hash, BatchInputs = { "x", "y" }, Wrt = { "x", "y" } }, Chunk(1, [2], [3]));

        Assert.Equal(64, hash.Length);
        Assert.True(second[0].Ready.PlanCacheHit);
        Assert.Equal(first[1].Result, second[1].Result);
    }

    [Fact]
    public async Task Evaluate_SameGraphTwice_SecondHitsThePlanCache()
    {
        var graph = Graphs.Example("seed001-neural-layer.json");

        var first = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph });
        var second = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph });

        Assert.Equal(first.Summary.PlanHash, second.Summary.PlanHash);
        Assert.True(second.Summary.PlanCacheHit);
        Assert.Equal(first.Gradients, second.Gradients);
    }

    [Fact]
    public async Task EvaluateBatch_UnknownPlanHash_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => BatchStreams.RunAsync(server.Client, new BatchStart { PlanHash = new string('0', 64), BatchInputs = { "x" } }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("send the graph instead", error.Status.Detail);
    }

    [Fact]
    public async Task EvaluateBatch_SharedParameters_GradientsSummedPerChunkAndOverTheStream()
    {
        // Seed 003's loss at several (x, y) with w and b shared: a training step's gradient.
        var start = new BatchStart { Graph = Graphs.Example("seed003-squared-error.json"), BatchInputs = { "x", "y" }, Wrt = { "w", "b" } };

        var responses = await BatchStreams.RunAsync(server.Client, start, Chunk(1, [2, 1], [5, 0]), Chunk(2, [3], [1]));

        // dL/dw = 2(xw + b - y)x and dL/db = 2(xw + b - y), with w = 3, b = 1.
        static double Residual(double x, double y) => 2 * (x * 3 + 1 - y);
        Assert.Equal(Residual(2, 5) * 2 + Residual(1, 0) * 1, responses[1].Result.Gradients["w"].Values.Single());
        Assert.Empty(responses[1].Result.Gradients["w"].Shape);
        var summary = responses[^1].Summary;
        Assert.Equal(Residual(2, 5) * 2 + Residual(1, 0) + Residual(3, 1) * 3, summary.SummedGradients["w"].Values.Single());
        Assert.Equal(Residual(2, 5) + Residual(1, 0) + Residual(3, 1), summary.SummedGradients["b"].Values.Single());
    }

    [Fact]
    public async Task EvaluateBatch_RawColumns_RoundTripBitForBit()
    {
        double[] xs = [0.1, 1e-300, 2.5, 7];
        double[] ys = [3, 4, 5, 6];
        var raw = new BatchChunk
        {
            Sequence = 1,
            Columns =
            {
                ["x"] = TensorProtos.ToRawProto(new Engine.Tensors.Tensor([4], xs)),
                ["y"] = TensorProtos.ToRawProto(new Engine.Tensors.Tensor([4], ys)),
            },
        };
        var start = Seed002Start();
        start.RawTensors = true;

        var rawResult = (await BatchStreams.RunAsync(server.Client, start, raw))[1].Result;
        var packedResult = (await BatchStreams.RunAsync(server.Client, Seed002Start(), Chunk(1, xs, ys)))[1].Result;

        Assert.Empty(rawResult.Outputs["z"].Values);
        Assert.Equal(32, rawResult.Outputs["z"].Raw.Length);
        Assert.Equal(packedResult.Outputs["z"].Values, TensorProtos.FromProto(rawResult.Outputs["z"]).Data);
        Assert.Equal(packedResult.Gradients["y"].Values, TensorProtos.FromProto(rawResult.Gradients["y"]).Data);
    }

    public static TheoryData<string, BatchChunk, string> BadChunks() => new()
    {
        { "missing column", new BatchChunk { Sequence = 7, Columns = { ["x"] = BatchStreams.Values(1, 2) } }, "chunk 7: batch input 'y' has no column" },
        { "length mismatch", new BatchChunk { Sequence = 8, Columns = { ["x"] = BatchStreams.Values(1, 2), ["y"] = BatchStreams.Values(1, 2, 3) } }, "chunk 8: column 'y' has 3 points but column 'x' has 2" },
        { "raw not whole doubles", new BatchChunk { Sequence = 9, Columns = { ["x"] = new Contracts.V1.Tensor { Raw = ByteString.CopyFrom(new byte[13]) }, ["y"] = BatchStreams.Values(1) } }, "chunk 9: column 'x' has 13 raw bytes, not a whole number of float64 values" },
        { "unknown column", new BatchChunk { Sequence = 3, Columns = { ["x"] = BatchStreams.Values(1), ["y"] = BatchStreams.Values(1), ["q"] = BatchStreams.Values(1) } }, "chunk 3: column 'q' is not one of the batch inputs (x, y)" },
        { "shape", new BatchChunk { Sequence = 4, Columns = { ["x"] = new Contracts.V1.Tensor { Shape = { 2, 2 }, Values = { 1, 2, 3, 4 } }, ["y"] = BatchStreams.Values(1, 2) } }, "chunk 4: column 'x' has shape [2, 2] but its points have shape []" },
    };

    [Theory]
    [MemberData(nameof(BadChunks))]
    public async Task EvaluateBatch_BadChunk_IsInvalidArgumentNamingChunkAndInput(string caseName, BatchChunk chunk, string expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => BatchStreams.RunAsync(server.Client, Seed002Start(), Chunk(1, [2], [3]), chunk));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var problem = Assert.Single(GraphEvaluatorClient.ProblemsOf(error));
        Assert.True(problem.Message.StartsWith(expected, StringComparison.Ordinal), $"{caseName}: {problem.Message}");
    }

    [Fact]
    public async Task EvaluateBatch_BatchInputThatIsNotAnInputLeaf_IsInvalidArgument()
    {
        var start = Seed002Start();
        start.BatchInputs.Add("e");

        var error = await Assert.ThrowsAsync<RpcException>(() => BatchStreams.RunAsync(server.Client, start));

        var problem = Assert.Single(GraphEvaluatorClient.ProblemsOf(error));
        Assert.Equal(new Problem { NodeId = "e", Kind = ProblemKind.InvalidValue, Message = "is a batch input but not an input leaf" }, problem);
    }

    [Fact]
    public async Task EvaluateBatch_CyclicGraph_ReportsTheCycleAlone()
    {
        var graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "x", Input = new Input { Value = BatchStreams.Values(1) } },
                new Node { Id = "a", Inputs = { "x", "b" }, Add = new Add() },
                new Node { Id = "b", Inputs = { "a" }, Neg = new Neg() },
            },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => BatchStreams.RunAsync(server.Client, new BatchStart { Graph = graph, BatchInputs = { "x" } }));

        var problem = Assert.Single(GraphEvaluatorClient.ProblemsOf(error));
        Assert.Equal(("a", ProblemKind.Cycle), (problem.NodeId, problem.Kind));
    }

    [Fact]
    public async Task EvaluateBatch_FirstMessageNotAStart_IsInvalidArgument()
    {
        using var call = server.Client.EvaluateBatch();
        await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Chunk = Chunk(1, [1], [1]) });
        await call.RequestStream.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("the first message of a batch must be its start", error.Status.Detail);
    }
}
