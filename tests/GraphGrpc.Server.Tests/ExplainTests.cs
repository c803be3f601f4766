using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;

namespace GraphGrpc.Server.Tests;

/// <summary>Explain over the wire: seed 000's two paths to b, seed 001's 3 + 5, and bad requests named.</summary>
public sealed class ExplainTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Explain_Seed000GradientOfGWithRespectToB_GivesBothPathsAndTheirSum()
    {
        var response = await server.Client.ExplainAsync(new ExplainRequest { Graph = Graphs.Example("seed000-gradient-flow.json"), Output = "g", Wrt = "b" });

        Assert.Equal("2", response.PathCount);
        Assert.Equal(2, response.Paths.Count);
        var contributions = response.Paths.Select(p => p.Contribution.Values.Single()).ToList();
        Assert.Equal(response.Total.Values.Single(), contributions.Sum() + response.Remainder.Values.Single(), 9);
        var evaluated = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = Graphs.Example("seed000-gradient-flow.json"), Outputs = { "g" }, Wrt = { "b" } });
        Assert.Equal(evaluated.Gradients.Single(g => g.NodeId == "b").Gradient.Values.Single(), response.Total.Values.Single(), 9);
    }

    [Fact]
    public async Task Explain_UnknownWrtAndBadTopK_IsInvalidArgumentNamingBoth()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.ExplainAsync(
            new ExplainRequest { Graph = Graphs.Example("seed003-squared-error.json"), Wrt = "nope", TopK = 5000 }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(GraphEvaluatorClient.ProblemsOf(error), p => p.Message.Contains("top_k", StringComparison.Ordinal));
    }
}
