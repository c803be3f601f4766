using System.CommandLine;
using GraphGrpc.Cli.Output;
using GraphGrpc.Cli.Rendering;
using GraphGrpc.Engine.Explanation;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// graphgrpc render FILE [--format mermaid|dot] [--values | --explain --wrt B [--output G] [--top K]]: draws the graph,
/// with values and gradients, or with one gradient explained path by path, when asked.
/// </summary>
internal static class RenderCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = CommonOptions.GraphFile();
        var format = new Option<string>("--format", "-f")
        {
            Description = "The drawing language.",
            DefaultValueFactory = _ => "mermaid",
        };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var values = new Option<bool>("--values")
        {
            Description = "Evaluate first; label nodes with values and gradients, and edges with the gradient that flowed along them.",
        };
        var explain = new Option<bool>("--explain")
        {
            Description = "Explain the gradient of --output with respect to --wrt on the drawing: each edge's local gradient, and the top paths highlighted.",
        };
        var top = new Option<int>("--top")
        {
            Description = $"With --explain: how many paths to highlight, those of largest contribution. Defaults to {ExplanationRequest.DefaultTopK}.",
            DefaultValueFactory = _ => ExplanationRequest.DefaultTopK,
        };
        var outputs = CommonOptions.Outputs();
        var wrt = CommonOptions.Wrt();
        var command = new Command("render", "Draw the graph as a Mermaid flowchart or a Graphviz dot digraph.")
        {
            file, format, values, explain, top, outputs, wrt,
        };
        command.SetAction(parsed =>
        {
            var run = new GraphRun(parsed.GetValue(file)!.ToString(), error);
            GraphDrawing drawing;
            if (parsed.GetValue(explain))
            {
                if (parsed.GetValue(values))
                {
                    error.WriteLine("--explain and --values draw different labels; choose one");
                    return CliApp.Failure;
                }
                var (namedOutputs, namedWrt) = (parsed.GetValue(outputs) ?? [], parsed.GetValue(wrt) ?? []);
                if (namedOutputs.Length > 1 || namedWrt.Length != 1)
                {
                    error.WriteLine("--explain explains one gradient: name one --wrt node and at most one --output");
                    return CliApp.Failure;
                }
                if (Explain(run, new Proto.ExplainRequest { Output = namedOutputs.FirstOrDefault() ?? "", Wrt = namedWrt[0], TopK = parsed.GetValue(top) }) is not { } explained)
                {
                    return CliApp.Failure;
                }
                drawing = explained;
            }
            else if (parsed.GetValue(values))
            {
                var namedOutputs = parsed.GetValue(outputs) ?? [];
                var result = run.Evaluate(namedOutputs, parsed.GetValue(wrt) ?? [], recordEdgeGradients: true);
                if (result is null)
                {
                    return CliApp.Failure;
                }
                run.ExplainMissingGradients(namedOutputs, EvaluationReport.SummaryOutputsOf(result));
                drawing = GraphDrawing.Of(result.Plan, result);
            }
            else
            {
                if (run.CompileValid() is not { } plan)
                {
                    return CliApp.Failure;
                }
                drawing = GraphDrawing.Of(plan, null);
            }
            output.Write(parsed.GetValue(format) == "dot" ? DotWriter.Write(drawing) : MermaidWriter.Write(drawing));
            return 0;
        });
        return command;
    }

    /// <summary>The drawing with the explanation on it; null, with every problem printed, for a graph or request that has some.</summary>
    private static GraphDrawing? Explain(GraphRun run, Proto.ExplainRequest wire)
    {
        if (run.Compile() is not { } compilation)
        {
            return null;
        }
        if (ExplainRequests.Read(wire, compilation, GraphLimits.Default.MaxTensorElements, out var problems) is not { } request)
        {
            run.ReportProblems(problems);
            return null;
        }
        return GraphDrawing.Explained(compilation.Plan!, Explainer.Explain(compilation.Plan!, request));
    }
}
