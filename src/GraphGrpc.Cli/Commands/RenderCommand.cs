using System.CommandLine;
using GraphGrpc.Cli.Output;
using GraphGrpc.Cli.Rendering;

namespace GraphGrpc.Cli.Commands;

/// <summary>graphgrpc render FILE [--format mermaid|dot] [--values]: draws the graph, with values and gradients when asked.</summary>
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
        var outputs = CommonOptions.Outputs();
        var wrt = CommonOptions.Wrt();
        var command = new Command("render", "Draw the graph as a Mermaid flowchart or a Graphviz dot digraph.")
        {
            file, format, values, outputs, wrt,
        };
        command.SetAction(parsed =>
        {
            var run = new GraphRun(parsed.GetValue(file)!.ToString(), error);
            GraphDrawing drawing;
            if (parsed.GetValue(values))
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
}
