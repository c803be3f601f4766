using System.CommandLine;
using GraphGrpc.Cli.Output;
using GraphGrpc.Contracts;
using GraphGrpc.Engine.Explanation;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Cli.Commands;

/// <summary>graphgrpc explain FILE --wrt B [--output G] [--top K]: a gradient as a sum over the paths between G and B.</summary>
internal static class ExplainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = CommonOptions.GraphFile();
        var of = new Option<string?>("--output", "-o") { Description = "The node whose gradient is explained. Defaults to the graph's one sink." };
        var wrt = new Option<string>("--wrt") { Description = "The node the gradient is taken with respect to: any node upstream of the output.", Required = true };
        var top = new Option<int>("--top") { Description = $"How many paths to show, those of largest contribution. Defaults to {ExplanationRequest.DefaultTopK}.", DefaultValueFactory = _ => ExplanationRequest.DefaultTopK };
        var server = CommonOptions.Server();
        var token = CommonOptions.Token();
        var ca = CommonOptions.Ca();
        var command = new Command("explain", "Explain a gradient as a sum over the paths between two nodes: the top paths, the exact path count, the fork/join blocks.")
        {
            file, of, wrt, top, server, token, ca,
        };
        command.SetAction(async (parsed, _) =>
        {
            var path = parsed.GetValue(file)!.ToString();
            var request = new Proto.ExplainRequest { Output = parsed.GetValue(of) ?? "", Wrt = parsed.GetValue(wrt)!, TopK = parsed.GetValue(top) };
            var explanation = parsed.GetValue(server) is { } address
                ? await new RemoteRun(path, address, parsed.GetValue(token), parsed.GetValue(ca), error).ExplainAsync(request)
                : ExplainLocally(path, request, error);
            if (explanation is null)
            {
                return CliApp.Failure;
            }
            ExplanationText.Write(explanation, output);
            return 0;
        });
        return command;
    }

    private static Proto.ExplainResponse? ExplainLocally(string path, Proto.ExplainRequest request, TextWriter error)
    {
        var run = new GraphRun(path, error);
        if (run.Compile() is not { } compilation)
        {
            return null;
        }
        if (ExplainRequests.Read(request, compilation, GraphLimits.Default.MaxTensorElements, out var problems) is not { } explanation)
        {
            run.ReportProblems(problems);
            return null;
        }
        return ExplanationProtos.ToProto(Explainer.Explain(compilation.Plan!, explanation));
    }
}
