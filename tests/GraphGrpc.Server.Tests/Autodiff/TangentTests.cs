using Google.Protobuf;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;
using static GraphGrpc.Server.Tests.BatchStreams;
using EventCase = GraphGrpc.Contracts.V1.EvaluateEvent.EventOneofCase;

namespace GraphGrpc.Server.Tests.Autodiff;

/// <summary>
/// Forward mode over the wire, on seed 002's z = log(3x² + 5xy): a tangent per input leaf, each node's
/// tangent beside its value in Evaluate's stream and in EvaluateUnary, selected with the values; bad
/// tangents named.
/// </summary>
public sealed class TangentTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static Graph Seed002 => Graphs.Example("seed002-log-expression.json");

    /// <summary>dz along (dx, dy) at (x, y): ((6x + 5y) dx + 5x dy) / (3x² + 5xy).</summary>
    private static double Dz(double x, double y, double dx, double dy) => ((6 * x + 5 * y) * dx + 5 * x * dy) / (3 * x * x + 5 * x * y);

    private static EvaluateRequest WithTangents(double dx, double dy) => new()
    {
        Graph = Seed002,
        Tangents = { ["x"] = Scalar(dx), ["y"] = Scalar(dy) },
    };

    [Fact]
    public async Task Evaluate_Seed002WithTangents_StreamsEachNodesTangentRightAfterItsValue()
    {
        var events = await EventStream.CollectAsync(server.Client, WithTangents(1, 2));

        var forward = events.TakeWhile(e => e.EventCase is EventCase.Value or EventCase.Tangent).ToList();
        Assert.Equal(20, forward.Count);
        for (var i = 0; i < forward.Count; i += 2)
        {
            Assert.Equal(EventCase.Value, forward[i].EventCase);
            Assert.Equal(EventCase.Tangent, forward[i + 1].EventCase);
            Assert.Equal(forward[i].Value.NodeId, forward[i + 1].Tangent.NodeId);
        }
        var tangents = forward.Where(e => e.Tangent is not null).ToDictionary(e => e.Tangent.NodeId, e => e.Tangent.Tangent.Values.Single());
        Assert.Equal(1, tangents["x"]);
        Assert.Equal(2, tangents["y"]);
        Assert.Equal(0, tangents["3"]);
        Assert.Equal(4, tangents["a"]);
        Assert.Equal(Dz(2, 3, 1, 2), tangents["z"], 15);
        Assert.Contains(events, e => e.EventCase == EventCase.Gradient);
    }

    [Fact]
    public async Task EvaluateUnary_TangentsFollowTheValueSelection()
    {
        var request = WithTangents(0.5, -1);
        request.Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Listed, NodeIds = { "e", "z" } };

        var response = await server.Client.EvaluateUnaryAsync(request);

        Assert.Equal(["e", "z"], response.Values.Select(v => v.NodeId));
        Assert.Equal(["e", "z"], response.Tangents.Select(t => t.NodeId));
        Assert.Equal(Dz(2, 3, 0.5, -1), response.Tangents[1].Tangent.Values.Single(), 15);
        // de = (6x + 5y) dx + 5x dy.
        Assert.Equal(27 * 0.5 - 10, response.Tangents[0].Tangent.Values.Single(), 15);
    }

    [Fact]
    public async Task EvaluateUnary_NoTangents_SendsNoTangents()
    {
        var response = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = Seed002 });

        Assert.NotEmpty(response.Values);
        Assert.Empty(response.Tangents);
    }

    [Fact]
    public async Task EvaluateUnary_RawTangents_AreLittleEndianBytes()
    {
        var request = WithTangents(1, 0);
        request.RawTensors = true;

        var response = await server.Client.EvaluateUnaryAsync(request);

        var z = response.Tangents.Single(t => t.NodeId == "z").Tangent;
        Assert.Empty(z.Values);
        Assert.Equal(Dz(2, 3, 1, 0), BitConverter.ToDouble(z.Raw.Span), 15);
    }

    [Fact]
    public async Task Evaluate_BadTangents_AreOneInvalidArgumentNamingEachNode()
    {
        var request = new EvaluateRequest
        {
            Graph = Seed002,
            Tangents =
            {
                ["nowhere"] = Scalar(1),
                ["e"] = Scalar(1),
                ["3"] = Scalar(1),
                ["x"] = Values(1, 2),
                ["y"] = new Contracts.V1.Tensor { Raw = ByteString.CopyFrom(new byte[5]) },
            },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var problems = GraphEvaluatorClient.ProblemsOf(error).ToDictionary(p => p.NodeId);
        Assert.Equal(ProblemKind.UnknownNode, problems["nowhere"].Kind);
        Assert.Equal(ProblemKind.InvalidValue, problems["e"].Kind);
        Assert.Equal(ProblemKind.InvalidValue, problems["3"].Kind);
        Assert.Contains("shape", problems["x"].Message, StringComparison.Ordinal);
        Assert.StartsWith("tangent is invalid", problems["y"].Message, StringComparison.Ordinal);
        var stillUp = await server.Client.EvaluateUnaryAsync(WithTangents(1, 1));
        Assert.NotEmpty(stillUp.Tangents);
    }
}
