using GraphGrpc.Contracts;
using Graph = GraphGrpc.Contracts.V1.Graph;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Explanation;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>Compiles a graph, explains one gradient, and evaluates the same gradient to compare.</summary>
internal static class Explaining
{
    public static Graph Example(string file) => GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "examples", file));

    public static GradientExplanation Explain(Graph graph, ExplanationRequest request)
    {
        var compilation = GraphCompiler.Compile(graph);
        Assert.Empty(compilation.Problems);
        Assert.Empty(compilation.CheckRequest(request.AsEvaluationRequest()));
        return Explainer.Explain(compilation.Plan!, request);
    }

    /// <summary>What Evaluate gives for the same gradient.</summary>
    public static Tensors.Tensor Gradient(Graph graph, ExplanationRequest request) =>
        Evaluator.Evaluate(GraphCompiler.Compile(graph).Plan!, request.AsEvaluationRequest()).GradientOf(request.Wrt)!;

    public static ExplainedEdge Edge(GradientExplanation explanation, string consumer, int operand) =>
        explanation.Edges.Single(e => e.ConsumerId == consumer && e.Operand == operand);
}
