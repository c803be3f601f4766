using GraphGrpc.Contracts;
using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Tests;

/// <summary>Graphs the tests send: the seed examples, and ones built to take a while.</summary>
internal static class Graphs
{
    public static readonly string[] Examples =
    [
        "seed000-gradient-flow.json", "seed001-neural-layer.json", "seed001-sin-of-square.json",
        "seed001-sum-of-paths.json", "seed002-log-expression.json", "seed003-squared-error.json",
    ];

    public static Graph Example(string name) => GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", name));

    /// <summary>
    /// A chain of <paramref name="length"/> products of n×n matrices: each node is milliseconds of work,
    /// so the whole takes seconds, and cancellation between nodes is prompt.
    /// </summary>
    public static Graph SlowChain(int length, int n = 160)
    {
        var graph = new Graph();
        var identityish = new Tensor();
        identityish.Shape.Add([n, n]);
        for (var i = 0; i < n * n; i++)
        {
            identityish.Values.Add(i % (n + 1) == 0 ? 1.0 : 1e-6);
        }
        graph.Nodes.Add(new Node { Id = "m", Input = new Input { Value = identityish } });
        graph.Nodes.Add(new Node { Id = "x0", Input = new Input { Value = identityish } });
        for (var i = 1; i <= length; i++)
        {
            graph.Nodes.Add(new Node { Id = $"x{i}", Inputs = { $"x{i - 1}", "m" }, Matmul = new MatMul() });
        }
        graph.Nodes.Add(new Node { Id = "loss", Inputs = { $"x{length}" }, Sum = new Sum() });
        return graph;
    }

    public static EvaluateRequest Quiet(Graph graph) => new()
    {
        Graph = graph,
        Values = new NodeSelection { Mode = NodeSelection.Types.Mode.None },
        Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.None },
    };
}
