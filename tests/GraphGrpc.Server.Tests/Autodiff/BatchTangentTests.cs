using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Tensors;
using Grpc.Core;
using static GraphGrpc.Server.Tests.BatchStreams;

namespace GraphGrpc.Server.Tests.Autodiff;

/// <summary>
/// Forward mode in EvaluateBatch: tangent columns streamed like the inputs, shared tangents, the
/// outputs' tangent columns in each result, each point's tangent exactly the one it gets alone; a
/// Hessian-vector product through the gradient graph; bad tangents named.
/// </summary>
public sealed class BatchTangentTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static Graph Seed002 => Graphs.Example("seed002-log-expression.json");

    private static BatchStart Start(bool raw = false) => new()
    {
        Graph = Seed002,
        BatchInputs = { "x", "y" },
        TangentInputs = { "x", "y" },
        Wrt = { "x", "y" },
        RawTensors = raw,
    };

    private static BatchChunk Chunk(long sequence, double[] xs, double[] ys, double[] dxs, double[] dys) => new()
    {
        Sequence = sequence,
        Columns = { ["x"] = Values(xs), ["y"] = Values(ys) },
        Tangents = { ["x"] = Values(dxs), ["y"] = Values(dys) },
    };

    private async Task<double> TangentAloneAsync(double x, double y, double dx, double dy)
    {
        var graph = Seed002;
        graph.Nodes.Single(n => n.Id == "x").Input.Value = Scalar(x);
        graph.Nodes.Single(n => n.Id == "y").Input.Value = Scalar(y);
        var response = await server.Client.EvaluateUnaryAsync(new EvaluateRequest
        {
            Graph = graph,
            Tangents = { ["x"] = Scalar(dx), ["y"] = Scalar(dy) },
            Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Listed, NodeIds = { "z" } },
        });
        return response.Tangents.Single().Tangent.Values.Single();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EvaluateBatch_TangentColumns_EachPointsTangentIsItsTangentAloneBitForBit(bool raw)
    {
        double[][] xs = [[2, 1, 0.5], [3, 4]];
        double[][] ys = [[3, 1, 2], [0.5, 6]];
        double[][] dxs = [[1, 0, -2], [0.25, 1e-3]];
        double[][] dys = [[2, 1, 0], [-1, 7]];

        var responses = await RunAsync(server.Client, Start(raw), Chunk(0, xs[0], ys[0], dxs[0], dys[0]), Chunk(1, xs[1], ys[1], dxs[1], dys[1]));

        for (var c = 0; c < xs.Length; c++)
        {
            var result = responses[c + 1].Result;
            var column = result.OutputTangents["z"];
            Assert.Equal(new long[] { xs[c].Length }, column.Shape);
            var tangents = TensorProtos.FromProto(column).Data;
            for (var p = 0; p < xs[c].Length; p++)
            {
                Assert.Equal(await TangentAloneAsync(xs[c][p], ys[c][p], dxs[c][p], dys[c][p]), tangents[p]);
            }
            Assert.Equal(raw, !column.Raw.IsEmpty);
            Assert.NotEmpty(result.Gradients);
        }
    }

    [Fact]
    public async Task EvaluateBatch_SharedTangent_AppliesToEveryPoint()
    {
        var start = new BatchStart
        {
            Graph = Seed002,
            BatchInputs = { "x" },
            TangentInputs = { "x" },
            SharedTangents = { ["y"] = Scalar(2) },
            Wrt = { "x" },
        };

        var responses = await RunAsync(server.Client, start, new BatchChunk
        {
            Sequence = 0,
            Columns = { ["x"] = Values(2, 1) },
            Tangents = { ["x"] = Values(1, -1) },
        });

        var tangents = responses[1].Result.OutputTangents["z"].Values;
        Assert.Equal(await TangentAloneAsync(2, 3, 1, 2), tangents[0]);
        Assert.Equal(await TangentAloneAsync(1, 3, -1, 2), tangents[1]);
    }

    [Fact]
    public async Task EvaluateBatch_TangentsThroughTheGradientGraph_GiveHessianVectorProducts()
    {
        var gradient = await server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = Seed002, Wrt = { "x", "y" } });
        var start = new BatchStart
        {
            PlanHash = gradient.PlanHash,
            BatchInputs = { "x", "y" },
            TangentInputs = { "x", "y" },
            Outputs = { "grad(z, x)", "grad(z, y)" },
            ForwardOnly = true,
        };

        var responses = await RunAsync(server.Client, start, Chunk(0, [2, 2], [3, 3], [1, 0], [0, 1]));

        // Point 0 moves along x, point 1 along y: the tangents of the gradient are H's columns.
        const double e = 42;
        var hxx = (6 * e - 27 * 27) / (e * e);
        var hxy = (5 * e - 27 * 10) / (e * e);
        var hyy = -100 / (e * e);
        var result = responses[1].Result;
        Assert.Equal(hxx, result.OutputTangents["grad(z, x)"].Values[0], 14);
        Assert.Equal(hxy, result.OutputTangents["grad(z, y)"].Values[0], 14);
        Assert.Equal(hxy, result.OutputTangents["grad(z, x)"].Values[1], 14);
        Assert.Equal(hyy, result.OutputTangents["grad(z, y)"].Values[1], 14);
        Assert.Empty(result.Gradients);
    }

    [Fact]
    public async Task EvaluateBatch_BadTangentsInTheStart_AreOneInvalidArgumentNamingEachNode()
    {
        var start = new BatchStart
        {
            Graph = Seed002,
            BatchInputs = { "x" },
            TangentInputs = { "y", "x", "x" },
            SharedTangents = { ["x"] = Scalar(1), ["e"] = Scalar(1), ["nowhere"] = Scalar(1) },
            Wrt = { "x" },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => RunAsync(server.Client, start));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var problems = GraphEvaluatorClient.ProblemsOf(error);
        Assert.Contains(problems, p => p.NodeId == "y" && p.Message.Contains("not a batch input", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.NodeId == "x" && p.Message.Contains("more than once", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.NodeId == "x" && p.Message.Contains("varies per point", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { NodeId: "e", Kind: ProblemKind.InvalidValue });
        Assert.Contains(problems, p => p is { NodeId: "nowhere", Kind: ProblemKind.UnknownNode });
    }

    [Fact]
    public async Task EvaluateBatch_ForwardOnlyWithWrt_IsInvalidArgument()
    {
        var start = Start();
        start.ForwardOnly = true;

        var error = await Assert.ThrowsAsync<RpcException>(() => RunAsync(server.Client, start));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("forward_only", GraphEvaluatorClient.ProblemsOf(error).Single().Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, BatchChunk, string> BadChunks() => new()
    {
        { "missing tangent", new BatchChunk { Sequence = 5, Columns = { ["x"] = Values(1), ["y"] = Values(1) }, Tangents = { ["x"] = Values(1) } }, "chunk 5: tangent input 'y' has no tangent column" },
        { "points differ", new BatchChunk { Sequence = 6, Columns = { ["x"] = Values(1, 2), ["y"] = Values(1, 2) }, Tangents = { ["x"] = Values(1), ["y"] = Values(1) } }, "chunk 6: tangent column 'x' has 1 points but the chunk's value columns have 2" },
        { "unknown tangent", new BatchChunk { Sequence = 7, Columns = { ["x"] = Values(1), ["y"] = Values(1) }, Tangents = { ["x"] = Values(1), ["y"] = Values(1), ["e"] = Values(1) } }, "chunk 7: tangent column 'e' is not one of the tangent inputs (x, y)" },
        { "shape", new BatchChunk { Sequence = 8, Columns = { ["x"] = Values(1), ["y"] = Values(1) }, Tangents = { ["x"] = new Contracts.V1.Tensor { Shape = { 1, 2 }, Values = { 1, 2 } }, ["y"] = Values(1) } }, "chunk 8: tangent column 'x' has shape [1, 2] but its points have shape []" },
    };

    [Theory]
    [MemberData(nameof(BadChunks))]
    public async Task EvaluateBatch_BadTangentColumn_IsInvalidArgumentNamingChunkAndInput(string caseName, BatchChunk chunk, string expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => RunAsync(server.Client, Start(), Chunk(0, [2], [3], [1], [1]), chunk));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var problem = Assert.Single(GraphEvaluatorClient.ProblemsOf(error));
        Assert.True(problem.Message.StartsWith(expected, StringComparison.Ordinal), $"{caseName}: {problem.Message}");
    }

    [Fact]
    public async Task EvaluateBatch_TangentColumnsWithoutTangentInputs_IsInvalidArgument()
    {
        var start = Start();
        start.TangentInputs.Clear();

        var error = await Assert.ThrowsAsync<RpcException>(() => RunAsync(server.Client, start, Chunk(3, [2], [3], [1], [1])));

        Assert.StartsWith("chunk 3: tangent column 'x' is not one of the tangent inputs (the batch start named none)",
            GraphEvaluatorClient.ProblemsOf(error).Single().Message, StringComparison.Ordinal);
    }
}
