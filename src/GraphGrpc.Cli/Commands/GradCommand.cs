using System.CommandLine;
using GraphGrpc.Contracts;
using GraphGrpc.Engine.Differentiation;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// graphgrpc grad FILE [-o OUT.json] [--output ID...] [--wrt ID...] [--seed-inputs]: the gradient as a graph
/// file, with a sink named grad(OUTPUT, WRT) for each pair, which eval, render and grad itself take again.
/// </summary>
internal static class GradCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = CommonOptions.GraphFile();
        var outFile = new Option<FileInfo?>("--out", "-o") { Description = "Where to write the gradient graph (protobuf JSON). Defaults to standard output." };
        var outputs = new Option<string[]>("--output")
        {
            Description = "The node(s) to differentiate. Defaults to the graph's one sink.",
            AllowMultipleArgumentsPerToken = true,
        };
        var wrt = CommonOptions.Wrt();
        var seedInputs = new Option<bool>("--seed-inputs")
        {
            Description = "Make each output's seed an input leaf named seed(OUTPUT) (ones by default), so the sinks are vector-Jacobian products; "
                + "differentiating a gradient sink this way gives a Hessian-vector product.",
        };
        var command = new Command("grad", "Write the gradient as a graph: the same leaves, plus one sink grad(OUTPUT, WRT) per gradient.")
        {
            file, outFile, outputs, wrt, seedInputs,
        };
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(file)!.ToString();
            Contracts.V1.Graph graph;
            try
            {
                graph = GraphFiles.Read(path);
            }
            catch (InvalidGraphFileException e)
            {
                error.WriteLine($"{path}: {e.Message}");
                return CliApp.Failure;
            }
            var result = Differentiator.Differentiate(graph, new DifferentiationRequest
            {
                Outputs = parsed.GetValue(outputs) ?? [],
                Wrt = parsed.GetValue(wrt) ?? [],
                SeedsAsInputs = parsed.GetValue(seedInputs),
            });
            if (result.Graph is null)
            {
                new GraphRun(path, error).ReportProblems(result.Problems);
                return CliApp.Failure;
            }
            var json = GraphFiles.Format(result.Graph);
            if (parsed.GetValue(outFile) is { } target)
            {
                try
                {
                    File.WriteAllText(target.FullName, json + Environment.NewLine);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"{target}: cannot write: {e.Message}");
                    return CliApp.Failure;
                }
                foreach (var sink in result.Sinks)
                {
                    output.WriteLine($"{sink.SinkId}: d{sink.Output}/d{sink.Wrt}");
                }
                foreach (var seed in result.Seeds)
                {
                    output.WriteLine($"{seed.SeedId}: input seeding {seed.Output}");
                }
            }
            else
            {
                output.WriteLine(json);
            }
            return 0;
        });
        return command;
    }
}
