using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;
using static GraphGrpc.Server.Tests.BatchStreams;

namespace GraphGrpc.Server.Tests.Autodiff;

/// <summary>
/// Differentiate over the wire, on seed 002's z = log(3x² + 5xy) at x = 2, y = 3: the gradient graph
/// evaluates to Evaluate's gradients, differentiating it again gives the second derivatives, a held
/// plan can be named by hash, and bad requests are named.
/// </summary>
public sealed class DifferentiateTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    // e = 3x² + 5xy = 42; dz/dx = (6x + 5y)/e, dz/dy = 5x/e; the second derivatives over e².
    private const double E = 42;
    private const double Dx = 27 / E;
    private const double Dy = 10 / E;
    private const double Dxx = (6 * E - 27 * 27) / (E * E);
    private const double Dxy = (5 * E - 27 * 10) / (E * E);
    private const double Dyy = -100 / (E * E);

    private static Graph Seed002 => Graphs.Example("seed002-log-expression.json");

    private async Task<Dictionary<string, double>> SinkValuesAsync(Graph graph, params string[] sinks)
    {
        var response = await server.Client.EvaluateUnaryAsync(new EvaluateRequest
        {
            Graph = graph,
            Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Listed, NodeIds = { sinks } },
            Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.None },
        });
        return response.Values.ToDictionary(v => v.NodeId, v => v.Value.Values.Single());
    }

    [Fact]
    public async Task Differentiate_Seed002_GradientGraphEvaluatesToEvaluatesGradients()
    {
        var gradient = await server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = Seed002, Wrt = { "x", "y" } });

        Assert.Equal([("z", "x", "grad(z, x)"), ("z", "y", "grad(z, y)")], gradient.Gradients.Select(s => (s.Output, s.Wrt, s.NodeId)));
        Assert.Empty(gradient.Seeds);
        var values = await SinkValuesAsync(gradient.Graph, "grad(z, x)", "grad(z, y)");
        var evaluated = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = Seed002, Wrt = { "x", "y" } });
        var gradients = evaluated.Gradients.ToDictionary(g => g.NodeId, g => g.Gradient.Values.Single());
        Assert.Equal(gradients["x"], values["grad(z, x)"], 14);
        Assert.Equal(gradients["y"], values["grad(z, y)"], 14);
        Assert.Equal(Dx, values["grad(z, x)"], 14);
        Assert.Equal(Dy, values["grad(z, y)"], 14);
    }

    [Fact]
    public async Task Differentiate_TheGradientGraphAgain_GivesSecondDerivatives()
    {
        var first = await server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = Seed002, Wrt = { "x", "y" } });

        var second = await server.Client.DifferentiateAsync(new DifferentiateRequest
        {
            Graph = first.Graph,
            Outputs = { "grad(z, x)", "grad(z, y)" },
            Wrt = { "x", "y" },
        });

        var sinks = second.Gradients.ToDictionary(s => (s.Output, s.Wrt), s => s.NodeId);
        var values = await SinkValuesAsync(second.Graph, [.. sinks.Values]);
        Assert.Equal(Dxx, values[sinks[("grad(z, x)", "x")]], 14);
        Assert.Equal(Dxy, values[sinks[("grad(z, x)", "y")]], 14);
        Assert.Equal(Dxy, values[sinks[("grad(z, y)", "x")]], 14);
        Assert.Equal(Dyy, values[sinks[("grad(z, y)", "y")]], 14);
    }

    [Fact]
    public async Task Differentiate_SeedsAsInputs_SinkIsTheVectorJacobianProductOfTheSeedLeaf()
    {
        var gradient = await server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = Seed002, Wrt = { "x" }, SeedsAsInputs = true });

        var seed = Assert.Single(gradient.Seeds);
        Assert.Equal("z", seed.Output);
        var seedLeaf = gradient.Graph.Nodes.Single(n => n.Id == seed.NodeId);
        Assert.Equal(Node.OpOneofCase.Input, seedLeaf.OpCase);
        seedLeaf.Input.Value = Scalar(-3);
        var values = await SinkValuesAsync(gradient.Graph, "grad(z, x)");
        Assert.Equal(-3 * Dx, values["grad(z, x)"], 14);
    }

    [Fact]
    public async Task Differentiate_ByPlanHash_GivesTheSameGraphAndItsOwnPlanIsHeld()
    {
        var evaluated = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = Seed002 });
        var byGraph = await server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = Seed002, Wrt = { "x", "y" } });

        var byHash = await server.Client.DifferentiateAsync(new DifferentiateRequest { PlanHash = evaluated.Summary.PlanHash, Wrt = { "x", "y" } });

        Assert.Equal(byGraph, byHash);
        var responses = await RunAsync(server.Client,
            new BatchStart { PlanHash = byHash.PlanHash, BatchInputs = { "x", "y" }, Outputs = { "grad(z, x)" }, Wrt = { "x" } },
            new BatchChunk { Sequence = 0, Columns = { ["x"] = Values(2), ["y"] = Values(3) } });
        Assert.True(responses[0].Ready.PlanCacheHit);
        Assert.Equal(Dx, responses[1].Result.Outputs["grad(z, x)"].Values.Single(), 14);
        Assert.Equal(Dxx, responses[1].Result.Gradients["x"].Values.Single(), 14);
    }

    [Fact]
    public async Task Differentiate_UnknownOutputAndWrt_IsInvalidArgumentNamingBoth()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.DifferentiateAsync(
            new DifferentiateRequest { Graph = Seed002, Outputs = { "nowhere" }, Wrt = { "x", "nothing" } }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var problems = GraphEvaluatorClient.ProblemsOf(error);
        Assert.Contains(problems, p => p is { NodeId: "nowhere", Kind: ProblemKind.UnknownOutput });
        Assert.Contains(problems, p => p is { NodeId: "nothing", Kind: ProblemKind.UnknownWrt });
    }

    [Fact]
    public async Task Differentiate_InvalidGraph_ReportsTheGraphsProblemsAndTheServerStaysUp()
    {
        var graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "x", Input = new Input { Value = Scalar(1) } },
                new Node { Id = "a", Inputs = { "x", "b" }, Add = new Add() },
                new Node { Id = "b", Inputs = { "a" }, Neg = new Neg() },
            },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = graph }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(GraphEvaluatorClient.ProblemsOf(error), p => p is { NodeId: "a", Kind: ProblemKind.Cycle });
        Assert.NotNull(await server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = Seed002 }));
    }

    [Fact]
    public async Task Differentiate_SeveralSinksAndNoOutput_IsInvalidArgumentSayingToNameOne()
    {
        var gradient = await server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = Seed002, Wrt = { "x", "y" } });

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.DifferentiateAsync(new DifferentiateRequest { Graph = gradient.Graph }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(GraphEvaluatorClient.ProblemsOf(error), p => p.Kind == ProblemKind.UnknownOutput);
    }

    [Fact]
    public async Task Differentiate_NoGraphOrUnknownPlan_IsInvalidArgumentOrNotFound()
    {
        var none = await Assert.ThrowsAsync<RpcException>(() => server.Client.DifferentiateAsync(new DifferentiateRequest()));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => server.Client.DifferentiateAsync(new DifferentiateRequest { PlanHash = new string('0', 64) }));

        Assert.Equal(StatusCode.InvalidArgument, none.StatusCode);
        Assert.Contains("neither a graph nor a plan hash", GraphEvaluatorClient.ProblemsOf(none).Single().Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("send the graph instead", unknown.Status.Detail, StringComparison.Ordinal);
    }
}
