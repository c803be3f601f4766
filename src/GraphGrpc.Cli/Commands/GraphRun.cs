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

    public EvaluationResult? Evaluate(string[] outputs, string[] wrt, bool recordEdgeGradients)
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
        };
        var problems = compilation.Problems.Concat(compilation.CheckRequest(request)).ToList();
        if (problems.Count > 0 || compilation.Plan is null)
        {
            ReportProblems(problems);
            return null;
        }
        if (request.Outputs.Count == 0)
        {
            error.WriteLine($"{path}: the graph has several sinks ({string.Join(", ", compilation.Sinks)}); choose the output with --output");
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

    public void ReportProblems(IReadOnlyList<GraphProblem> problems)
    {
        error.WriteLine($"{path}: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:");
        foreach (var problem in problems)
        {
            error.WriteLine($"  {problem} [{problem.Kind}]");
        }
    }
}
