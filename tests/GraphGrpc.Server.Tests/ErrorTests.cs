using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;

namespace GraphGrpc.Server.Tests;

/// <summary>Bad requests get a status that names what is wrong, with every problem in the details, and the server stays up.</summary>
public sealed class ErrorTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static Graph BrokenGraph() => new()
    {
        Nodes =
        {
            new Node { Id = "a", Inputs = { "c" }, Neg = new Neg() },
            new Node { Id = "b", Inputs = { "a" }, Exp = new Exp() },
            new Node { Id = "c", Inputs = { "b" }, Sin = new Sin() },
            new Node { Id = "d", Inputs = { "ghost" }, Log = new Log() },
            new Node { Id = "e", Input = new Input { Value = new Contracts.V1.Tensor { Shape = { 2 }, Values = { 1 } } } },
        },
    };

    [Fact]
    public async Task Evaluate_InvalidGraph_IsInvalidArgumentWithEveryProblemInTheDetails()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => EventStream.CollectAsync(server.Client, new EvaluateRequest { Graph = BrokenGraph(), Outputs = { "nope" } }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("4 problems: ", error.Status.Detail);
        var problems = GraphEvaluatorClient.ProblemsOf(error);
        Assert.Equal(
        [
            ("d", ProblemKind.UnknownInput),
            ("e", ProblemKind.InvalidValue),
            ("a", ProblemKind.Cycle),
            ("nope", ProblemKind.UnknownOutput),
        ], problems.Select(p => (p.NodeId, p.Kind)));
        Assert.Equal("is on a cycle: a -> b -> c -> a", problems[2].Message);
        // The server is still up and serving.
        Assert.NotEmpty((await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = Graphs.Example("seed003-squared-error.json") })).Values);
    }

    [Fact]
    public async Task Validate_InvalidGraph_ListsEveryProblemWithoutFailingTheCall()
    {
        var response = await server.Client.ValidateAsync(new ValidateRequest { Graph = BrokenGraph(), Wrt = { "nada" } });

        Assert.False(response.Valid);
        Assert.Empty(response.Order);
        Assert.Equal([ProblemKind.UnknownInput, ProblemKind.InvalidValue, ProblemKind.Cycle, ProblemKind.UnknownWrt], response.Problems.Select(p => p.Kind));
    }

    [Fact]
    public async Task EvaluateUnary_ClassIndexOutOfRange_IsInvalidArgumentNamingTheNode()
    {
        var graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "logits", Input = new Input { Value = new Contracts.V1.Tensor { Shape = { 2 }, Values = { 1, 2 } } } },
                new Node { Id = "label", Constant = new Constant { Value = new Contracts.V1.Tensor { Values = { 7 } } } },
                new Node { Id = "loss", Inputs = { "logits", "label" }, CrossEntropy = new CrossEntropy() },
            },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var problem = Assert.Single(GraphEvaluatorClient.ProblemsOf(error));
        Assert.Equal(("loss", ProblemKind.InvalidOperand), (problem.NodeId, problem.Kind));
        Assert.Contains("class index 7", problem.Message);
    }

    [Fact]
    public async Task Evaluate_ListedNodeThatDoesNotExist_IsNamed()
    {
        var request = new EvaluateRequest
        {
            Graph = Graphs.Example("seed003-squared-error.json"),
            Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Listed, NodeIds = { "w", "zz" } },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(request));

        var problem = Assert.Single(GraphEvaluatorClient.ProblemsOf(error));
        Assert.Equal(new Problem { NodeId = "zz", Kind = ProblemKind.UnknownNode, Message = "is listed for its values but is not a node of the graph" }, problem);
    }

    [Fact]
    public async Task Evaluate_MalformedSeed_IsInvalidArgument()
    {
        var request = new EvaluateRequest
        {
            Graph = Graphs.Example("seed003-squared-error.json"),
            Seeds = { ["L"] = new Contracts.V1.Tensor { Shape = { 3 }, Values = { 1 } } },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(request));

        var problem = Assert.Single(GraphEvaluatorClient.ProblemsOf(error));
        Assert.Equal(("L", ProblemKind.InvalidSeed), (problem.NodeId, problem.Kind));
    }
}

/// <summary>Limits: each breach is RESOURCE_EXHAUSTED, naming the limit.</summary>
public sealed class LimitTests(SmallLimitsServerFixture server) : IClassFixture<SmallLimitsServerFixture>
{
    [Fact]
    public async Task Evaluate_TooManyNodes_IsResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(Graphs.Quiet(Graphs.SlowChain(60, n: 2))));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var problem = Assert.Single(GraphEvaluatorClient.ProblemsOf(error));
        Assert.Equal(ProblemKind.LimitExceeded, problem.Kind);
        Assert.Equal("the graph has 63 nodes, more than the limit of 50", problem.Message);
    }

    [Fact]
    public async Task Evaluate_TensorOverTheElementLimit_IsResourceExhaustedNamingTheNode()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(Graphs.Quiet(Graphs.SlowChain(2, n: 40))));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains(GraphEvaluatorClient.ProblemsOf(error), p => p.NodeId == "m" && p.Kind == ProblemKind.LimitExceeded);
    }
}

/// <summary>The message size limit is the transport's, set from the service's options.</summary>
public sealed class MessageSizeTests(SmallLimitsServerFixture server) : IClassFixture<SmallLimitsServerFixture>
{
    [Fact]
    public async Task Evaluate_RequestOverTheMessageSizeLimit_IsResourceExhaustedAndTheServerStaysUp()
    {
        // Two 120×120 matrices are over 200 KB on the wire, against a limit of 100,000 bytes.
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(Graphs.Quiet(Graphs.SlowChain(1, n: 120))));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("exceeds the maximum configured message size", error.Status.Detail);
        Assert.NotEmpty((await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = Graphs.Example("seed003-squared-error.json") })).Values);
    }
}

/// <summary>The concurrency limit: a call past it is refused at once, not queued.</summary>
public sealed class ConcurrencyLimitTests(OneAtATimeServerFixture server) : IClassFixture<OneAtATimeServerFixture>
{
    [Fact]
    public async Task Evaluate_MoreConcurrentEvaluationsThanAllowed_IsResourceExhausted()
    {
        // The limit is one: hold it with a slow stream, then ask for another.
        // Long enough to hold it through a loaded machine; disposing the call cancels it.
        using var slow = server.Client.Evaluate(Graphs.Quiet(Graphs.SlowChain(20_000)));
        await WaitFor.Condition(() => server.Gate.Active == 1);

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = Graphs.Example("seed003-squared-error.json") }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("limit of 1 concurrent evaluations", error.Status.Detail);
        Assert.Equal(1, server.Gate.Active);
    }
}
