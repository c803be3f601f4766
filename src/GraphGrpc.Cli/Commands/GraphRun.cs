using GraphGrpc.Contracts;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Validation;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// The steps the commands share: read the file, compile, check the request and evaluate,
/// printing every problem to the error stream. Each step returns null when it has failed.
/// </summary>
internal sealed class GraphRun(string path, TextWriter error)
{
    public Compilation? Compile()
    {
        try
        {
            return GraphCompiler.Compile(GraphFiles.Read(path));
        }
        catch (InvalidGraphFileException e)
        {
            error.WriteLine($"{path}: {e.Message}");
            return null;
        }
    }

    /// <summary>The plan of a valid graph; for an invalid one, prints every problem and returns null.</summary>
    public Plan? CompileValid()
    {
        var compilation = Compile();
        if (compilation is not null && compilation.Plan is null)
        {
            ReportProblems(compilation.Problems);
        }
        return compilation?.Plan;
    }

    /// <summary>
    /// Forward and backward; with no outputs named and several sinks, forward only, as a server does
    /// (<see cref="ExplainMissingGradients"/> says so).
    /// </summary>
    public EvaluationResult? Evaluate(string[] outputs, string[] wrt, bool recordEdgeGradients, IReadOnlyList<TangentArgument>? tangents = null)
    {
        var compilation = Compile();
        if (compilation is null)
        {
            return null;
        }
        var request = new EvaluationRequest
        {
            Outputs = outputs.Length > 0 ? outputs : compilation.DefaultOutputs,
            Wrt = wrt,
            RecordEdgeGradients = recordEdgeGradients,
            Tangents = (tangents ?? []).ToDictionary(t => t.NodeId, t => t.ShapedFor(compilation.Plan)),
        };
        var problems = compilation.Problems.Concat(compilation.CheckRequest(request)).ToList();
        if (problems.Count > 0 || compilation.Plan is null)
        {
            ReportProblems(problems);
            return null;
        }
        try
        {
            return Evaluator.Evaluate(compilation.Plan, request);
        }
        catch (EvaluationException e)
        {
            error.WriteLine($"{path}: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// Says why there are no gradients when no output was named and the graph has several sinks:
    /// backward was not told which to start from, so only the forward pass ran.
    /// <paramref name="summaryOutputs"/> are the nodes the summary reports, which with no outputs named are the sinks.
    /// </summary>
    public void ExplainMissingGradients(IReadOnlyList<string> namedOutputs, IReadOnlyList<string> summaryOutputs)
    {
        if (namedOutputs.Count == 0 && summaryOutputs.Count > 1)
        {
            error.WriteLine($"{path}: no gradients: the graph has several sinks ({string.Join(", ", summaryOutputs)}) and no --output says "
                + "which to differentiate, so only the forward pass ran; name one or more with --output");
        }
    }

    public void ReportProblems(IReadOnlyList<GraphProblem> problems)
    {
        error.WriteLine($"{path}: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:");
        foreach (var problem in problems)
        {
            error.WriteLine($"  {problem} [{problem.Kind}]");
        }
    }
}
