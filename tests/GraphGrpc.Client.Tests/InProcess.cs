using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Client.Tests;

/// <summary>Evaluates a graph with the engine in this process, as the server would, failing the test on any problem.</summary>
internal static class InProcess
{
    public static Compilation Compile(Proto.Graph graph)
    {
        var compilation = GraphCompiler.Compile(graph);
        Assert.Empty(compilation.Problems);
        return compilation;
    }

    /// <summary>Forward, then backward from <paramref name="outputs"/> (the one sink when none are given) with respect to every input.</summary>
    public static EvaluationResult Evaluate(Proto.Graph graph, params string[] outputs)
    {
        var compilation = Compile(graph);
        var request = new EvaluationRequest { Outputs = outputs.Length > 0 ? outputs : compilation.DefaultOutputs };
        Assert.Empty(compilation.CheckRequest(request));
        return Evaluator.Evaluate(compilation.Plan!, request);
    }
}
