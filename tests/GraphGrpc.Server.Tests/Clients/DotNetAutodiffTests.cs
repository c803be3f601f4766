using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;

namespace GraphGrpc.Server.Tests.Clients;

/// <summary>The .NET client's Differentiate, tangents and Hessian-vector product, against the real server.</summary>
public sealed class DotNetAutodiffTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static Contracts.V1.Tensor Scalar(double value) => new() { Values = { value } };

    [Fact]
    public async Task TangentsAsync_Seed002_GivesEveryNodesDirectionalDerivative()
    {
        var tangents = await server.Client.TangentsAsync(Graphs.Example("seed002-log-expression.json"),
            new Dictionary<string, Contracts.V1.Tensor> { ["x"] = Scalar(1), ["y"] = Scalar(2) });

        // dz = ((6x + 5y) dx + 5x dy) / (3x² + 5xy) at x = 2, y = 3.
        Assert.Equal((27.0 + 20) / 42, tangents["z"].Values.Single(), 15);
        Assert.Equal(10, tangents.Count);
    }

    [Fact]
    public async Task HessianVectorProductAsync_Seed002_MatchesTheClosedForm()
    {
        var product = await server.Client.HessianVectorProductAsync(Graphs.Example("seed002-log-expression.json"),
            new Dictionary<string, Contracts.V1.Tensor> { ["x"] = Scalar(1), ["y"] = Scalar(-2) });

        const double e = 42;
        var (hxx, hxy, hyy) = ((6 * e - 27 * 27) / (e * e), (5 * e - 27 * 10) / (e * e), -100 / (e * e));
        Assert.Equal(hxx - 2 * hxy, product["x"].Values.Single(), 14);
        Assert.Equal(hxy - 2 * hyy, product["y"].Values.Single(), 14);
    }

    [Fact]
    public async Task DifferentiateAsync_UnknownWrt_ThrowsWithTheProblemNamed()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.DifferentiateAsync(
            new DifferentiateRequest { Graph = Graphs.Example("seed002-log-expression.json"), Wrt = { "w" } }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("w", GraphEvaluatorClient.ProblemsOf(error).Single().NodeId);
    }
}
