using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Tensors;
using EngineTensor = GraphGrpc.Engine.Tensors.Tensor;
using EventCase = GraphGrpc.Contracts.V1.EvaluateEvent.EventOneofCase;

namespace GraphGrpc.Server.Tests;

/// <summary>Evaluate end to end on loopback: results, event order, traces and the request's choices.</summary>
public sealed class EvaluateTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    public static TheoryData<string> Examples() => new(Graphs.Examples);

    private static long[] Bits(EngineTensor tensor) => tensor.Data.Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static long[] Bits(Contracts.V1.Tensor tensor) => Bits(TensorProtos.FromProto(tensor));

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Evaluate_SeedExample_MatchesTheEngineBitForBit(string example)
    {
        var graph = Graphs.Example(example);
        var plan = GraphCompiler.Compile(graph).Plan!;
        var local = Evaluator.Evaluate(plan, new EvaluationRequest { Outputs = [plan.Ids[plan.Sinks.Single()]] });

        var events = await EventStream.CollectAsync(server.Client, new EvaluateRequest { Graph = graph });

        var values = events.Where(e => e.Value is not null).ToDictionary(e => e.Value.NodeId, e => e.Value.Value);
        var gradients = events.Where(e => e.Gradient is not null).ToDictionary(e => e.Gradient.NodeId, e => e.Gradient.Gradient);
        Assert.Equal(plan.Ids.Order(), values.Keys.Order());
        for (var slot = 0; slot < plan.Count; slot++)
        {
            Assert.Equal(Bits(local.Values[slot]), Bits(values[plan.Ids[slot]]));
            if (local.Gradients[slot] is { } gradient)
            {
                Assert.Equal(Bits(gradient), Bits(gradients[plan.Ids[slot]]));
            }
            else
            {
                Assert.False(gradients.ContainsKey(plan.Ids[slot]), $"{plan.Ids[slot]} is off the path but got a gradient");
            }
        }
    }

    [Fact]
    public async Task EvaluateUnary_SeveralSinksAndNoOutputs_RunsForwardOnlyAndSaysWhy()
    {
        var graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "x", Input = new Input { Value = new Contracts.V1.Tensor { Values = { 2 } } } },
                new Node { Id = "s", Inputs = { "x" }, Square = new Square() },
                new Node { Id = "c", Inputs = { "x" }, Exp = new Exp() },
            },
        };

        var response = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph });

        Assert.Empty(response.Gradients);
        Assert.Equal(["s", "c"], response.Summary.Outputs.Select(o => o.NodeId).Order(StringComparer.Ordinal).Reverse());
        Assert.StartsWith("the graph has several sinks (", response.Summary.NoGradientsReason);
        Assert.Contains("names no outputs", response.Summary.NoGradientsReason);
        var named = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph, Outputs = { "s" } });
        Assert.Equal("", named.Summary.NoGradientsReason);
        Assert.Equal(4.0, named.Gradients.Single(g => g.NodeId == "x").Gradient.Values.Single());
    }

    [Fact]
    public async Task Evaluate_Seed002_GivesTheSeedsNumbers()
    {
        var events = await EventStream.CollectAsync(server.Client, new EvaluateRequest { Graph = Graphs.Example("seed002-log-expression.json") });

        var gradients = events.Where(e => e.Gradient is not null).ToDictionary(e => e.Gradient.NodeId, e => e.Gradient.Gradient.Values.Single());
        Assert.Equal(0.6429, Math.Round(gradients["x"], 4));
        Assert.Equal(0.2381, Math.Round(gradients["y"], 4));
        var summary = events.Last().Summary;
        Assert.Equal("z", summary.Outputs.Single().NodeId);
        Assert.Equal(3.7377, Math.Round(summary.Outputs.Single().Value.Values.Single(), 4));
        Assert.Equal(10, summary.NodeCount);
        Assert.Null(summary.FirstNonFinite);
    }

    [Fact]
    public async Task Evaluate_Events_ValuesInTopologicalOrderThenGradientsInReverseThenTraceThenSummary()
    {
        var graph = Graphs.Example("seed000-gradient-flow.json");
        var order = GraphCompiler.Compile(graph).Plan!.Ids;

        var events = await EventStream.CollectAsync(server.Client, new EvaluateRequest { Graph = graph, Trace = true });

        var kinds = events.Select(e => e.EventCase).ToList();
        var phases = kinds.Distinct().ToList();
        Assert.Equal([EventCase.Value, EventCase.Gradient, EventCase.Trace, EventCase.Summary], phases);
        Assert.Equal(kinds.OrderBy(phases.IndexOf), kinds);
        Assert.Single(events, e => e.Summary is not null);
        Assert.Equal(order, events.Where(e => e.Value is not null).Select(e => e.Value.NodeId));
        var gradientOrder = events.Where(e => e.Gradient is not null).Select(e => order.ToList().IndexOf(e.Gradient.NodeId)).ToList();
        Assert.Equal(gradientOrder.OrderDescending(), gradientOrder);
    }

    [Fact]
    public async Task Evaluate_Trace_DescribesEveryNodeAndWhatItCached()
    {
        var events = await EventStream.CollectAsync(server.Client, new EvaluateRequest { Graph = Graphs.Example("seed001-neural-layer.json"), Trace = true });

        var traces = events.Where(e => e.Trace is not null).Select(e => e.Trace).ToDictionary(t => t.NodeId);
        Assert.Equal(7, traces.Count);
        var matmul = traces["a"];
        Assert.Equal("matmul", matmul.Op);
        Assert.Equal([[2L, 3], [3L]], matmul.InputShapes.Select(s => s.Dims.ToArray()));
        Assert.Equal([2L], matmul.OutputShape.Dims);
        Assert.True(matmul.CachedInputs);
        Assert.True(traces["y"].CachedOutput, "sigmoid takes its gradient from its output");
        Assert.False(traces["c"].CachedInputs || traces["c"].CachedOutput, "add caches nothing");
        Assert.All(traces.Values, t => Assert.True(t.ForwardTime.ToTimeSpan() >= TimeSpan.Zero && t.BackwardTime.ToTimeSpan() >= TimeSpan.Zero));
        Assert.True(traces.Values.Sum(t => t.ForwardTime.ToTimeSpan().Ticks) > 0);
        var timings = events.Last().Summary.Timings;
        Assert.NotNull(timings.Decode);
        Assert.True(timings.Forward.ToTimeSpan() > TimeSpan.Zero && timings.Backward.ToTimeSpan() > TimeSpan.Zero);
    }

    [Fact]
    public async Task EvaluateUnary_GivesWhatTheStreamGives()
    {
        var request = new EvaluateRequest { Graph = Graphs.Example("seed000-gradient-flow.json"), Wrt = { "d" }, Outputs = { "g" } };

        var unary = await server.Client.EvaluateUnaryAsync(request);
        var events = await EventStream.CollectAsync(server.Client, request);

        Assert.Equal(events.Where(e => e.Value is not null).Select(e => e.Value), unary.Values);
        Assert.Equal(events.Where(e => e.Gradient is not null).Select(e => e.Gradient), unary.Gradients);
        Assert.Equal(282, unary.Gradients.Single(g => g.NodeId == "d").Gradient.Values.Single());
        Assert.DoesNotContain(unary.Gradients, g => g.NodeId == "a");
    }

    [Fact]
    public async Task Evaluate_Selections_SendOnlyWhatWasAskedFor()
    {
        var request = new EvaluateRequest
        {
            Graph = Graphs.Example("seed003-squared-error.json"),
            Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Leaves },
            Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.Listed, NodeIds = { "w", "b" } },
        };

        var unary = await server.Client.EvaluateUnaryAsync(request);

        Assert.Equal(["x", "w", "b", "y"], unary.Values.Select(v => v.NodeId));
        Assert.Equal(["b", "w"], unary.Gradients.Select(g => g.NodeId));
        Assert.Equal(4, unary.Summary.Outputs.Single().Value.Values.Single());
    }

    [Fact]
    public async Task Evaluate_RawTensorsAndSeed_RoundTripBitForBit()
    {
        var graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "x", Input = new Input { Value = TensorProtos.ToRawProto(new EngineTensor([3], [0.1, 1e-310, -2.5])) } },
                new Node { Id = "y", Inputs = { "x" }, Exp = new Exp() },
            },
        };
        var request = new EvaluateRequest { Graph = graph, RawTensors = true, Seeds = { ["y"] = TensorProtos.ToProto(new EngineTensor([3], [1, 2, 3])) } };

        var unary = await server.Client.EvaluateUnaryAsync(request);

        var y = unary.Values.Single(v => v.NodeId == "y").Value;
        Assert.Empty(y.Values);
        Assert.Equal(24, y.Raw.Length);
        double[] expectedY = [Math.Exp(0.1), Math.Exp(1e-310), Math.Exp(-2.5)];
        Assert.Equal(expectedY.Select(BitConverter.DoubleToInt64Bits), Bits(y));
        Assert.Equal(expectedY.Select((v, i) => BitConverter.DoubleToInt64Bits(v * (i + 1))), Bits(unary.Gradients.Single(g => g.NodeId == "x").Gradient));
    }

    [Fact]
    public async Task Evaluate_NaN_IsNamedInTheSummary()
    {
        var graph = new Graph
        {
            Nodes =
            {
                new Node { Id = "x", Input = new Input { Value = new Contracts.V1.Tensor { Values = { -1 } } } },
                new Node { Id = "r", Inputs = { "x" }, Sqrt = new Sqrt() },
            },
        };

        var unary = await server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph });

        Assert.Equal(new Contracts.V1.NonFiniteNode { NodeId = "r", InGradient = false }, unary.Summary.FirstNonFinite);
        Assert.True(double.IsNaN(unary.Values.Single(v => v.NodeId == "r").Value.Values.Single()));
    }

    [Fact]
    public async Task Validate_ValidGraph_GivesTheKahnOrder()
    {
        var response = await server.Client.ValidateAsync(new ValidateRequest { Graph = Graphs.Example("seed003-squared-error.json") });

        Assert.True(response.Valid);
        Assert.Equal(["x", "w", "b", "y", "p", "a", "d", "L"], response.Order);
        Assert.Empty(response.Problems);
    }
}
