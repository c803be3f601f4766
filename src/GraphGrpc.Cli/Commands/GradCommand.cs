using System.CommandLine;
using GraphGrpc.Contracts;
using GraphGrpc.Engine.Differentiation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// graphgrpc grad FILE [-o OUT.json] [--output ID...] [--wrt ID...] [--seed-inputs] [--server URL]: the gradient
/// as a graph file, with a sink named grad(OUTPUT, WRT) for each pair, which eval, render and grad itself take again.
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
        var server = CommonOptions.Server();
        var token = CommonOptions.Token();
        var ca = CommonOptions.Ca();
        var command = new Command("grad", "Write the gradient as a graph: the same leaves, plus one sink grad(OUTPUT, WRT) per gradient.")
        {
            file, outFile, outputs, wrt, seedInputs, server, token, ca,
        };
        command.SetAction(async (parsed, _) =>
        {
            var path = parsed.GetValue(file)!.ToString();
            var request = new DifferentiationRequest
            {
                Outputs = parsed.GetValue(outputs) ?? [],
                Wrt = parsed.GetValue(wrt) ?? [],
                SeedsAsInputs = parsed.GetValue(seedInputs),
            };
            var result = parsed.GetValue(server) is { } address
                ? await DifferentiateRemotely(new RemoteRun(path, address, parsed.GetValue(token), parsed.GetValue(ca), error), request)
                : DifferentiateLocally(path, request, error);
            return result is null ? CliApp.Failure : Write(result, parsed.GetValue(outFile), output, error);
        });
        return command;
    }

    private static DifferentiationResult? DifferentiateLocally(string path, DifferentiationRequest request, TextWriter error)
    {
        Proto.Graph graph;
        try
        {
            graph = GraphFiles.Read(path);
        }
        catch (InvalidGraphFileException e)
        {
            error.WriteLine($"{path}: {e.Message}");
            return null;
        }
        var result = Differentiator.Differentiate(graph, request);
        if (result.Graph is null)
        {
            new GraphRun(path, error).ReportProblems(result.Problems);
            return null;
        }
        return result;
    }

    /// <summary>The server's answer in the engine's terms, so both print the same; its problems were printed already.</summary>
    private static async Task<DifferentiationResult?> DifferentiateRemotely(RemoteRun run, DifferentiationRequest request)
    {
        var wire = new Proto.DifferentiateRequest { SeedsAsInputs = request.SeedsAsInputs };
        wire.Outputs.Add(request.Outputs);
        wire.Wrt.Add(request.Wrt);
        return await run.DifferentiateAsync(wire) is { } response
            ? new DifferentiationResult([], response.Graph,
                [.. response.Gradients.Select(g => new GradientSink(g.NodeId, g.Output, g.Wrt))],
                [.. response.Seeds.Select(s => new SeedInput(s.NodeId, s.Output))])
            : null;
    }

    /// <summary>The graph to the file (then its sinks and seeds, one a line) or to standard output.</summary>
    private static int Write(DifferentiationResult result, FileInfo? target, TextWriter output, TextWriter error)
    {
        var json = GraphFiles.Format(result.Graph!);
        if (target is null)
        {
            output.WriteLine(json);
            return 0;
        }
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
        return 0;
    }
}
