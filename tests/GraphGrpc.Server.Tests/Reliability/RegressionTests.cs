using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Server.Tests.Reliability;

/// <summary>Inputs the fuzz driver found that once broke the service, each kept as a test.</summary>
public sealed class RegressionTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly CallOptions Deadline = new(deadline: DateTime.UtcNow.AddSeconds(30));

    /// <summary>A request naming 1,000 unknown outputs and 1,000 unknown wrt nodes: 2,000 problems.</summary>
    private static EvaluateRequest ThousandsOfProblems()
    {
        var request = new EvaluateRequest { Graph = Graphs.Example("seed003-squared-error.json") };
        request.Outputs.Add(Enumerable.Range(0, 1000).Select(i => $"out{i}"));
        request.Wrt.Add(Enumerable.Range(0, 1000).Select(i => $"wrt{i}"));
        return request;
    }

    // Every problem used to go into grpc-status-details-bin, a trailer of about 200 KB here, which
    // no client accepts: the call failed on the client without any status.
    [Fact]
    public async Task EvaluateUnary_ThousandsOfProblems_InvalidArgumentWithDetailsThatFitATrailer()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(ThousandsOfProblems(), Deadline));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("2000 problems", error.Status.Detail, StringComparison.Ordinal);
        var problems = GraphEvaluatorClient.ProblemsOf(error);
        Assert.InRange(problems.Count, 10, 200);
        Assert.Equal("out0", problems[0].NodeId);
        Assert.Contains("more problems", problems[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ThousandsOfProblems_ListsEveryOne()
    {
        var request = ThousandsOfProblems();

        var response = await server.Client.ValidateAsync(new ValidateRequest { Graph = request.Graph, Outputs = { request.Outputs }, Wrt = { request.Wrt } }, Deadline);

        Assert.False(response.Valid);
        Assert.Equal(2000, response.Problems.Count);
    }

    // An enum value the proto does not define (proto3 keeps it) reached the engine's
    // LossReductions.FromProto, which threw ArgumentOutOfRangeException: the call ended UNKNOWN.
    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public async Task EvaluateUnary_UndefinedLossReduction_InvalidArgumentNamingTheNode(int reduction)
    {
        var graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "p", Input = new Input { Value = new Tensor { Values = { 1 } } } },
                new Node { Id = "t", Constant = new Constant { Value = new Tensor { Values = { 2 } } } },
                new Node { Id = "loss", Inputs = { "p", "t" }, Mse = new Mse { Reduction = (Reduction)reduction } },
            },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph }, Deadline));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("loss", Assert.Single(GraphEvaluatorClient.ProblemsOf(error)).NodeId);
    }
}
