using System.CommandLine;
using GraphGrpc.Cli.Output;

namespace GraphGrpc.Cli.Commands;

/// <summary>graphgrpc eval FILE [--output ID...] [--wrt ID...] [--tangent ID=V1,V2,...]: each node's value, gradient and (forward mode) tangent as JSON.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = CommonOptions.GraphFile();
        var outputs = CommonOptions.Outputs();
        var wrt = CommonOptions.Wrt();
        var server = CommonOptions.Server();
        var token = CommonOptions.Token();
        var ca = CommonOptions.Ca();
        var tangents = new Option<TangentArgument[]>("--tangent")
        {
            Description = $"Forward mode: a tangent for an input leaf, {TangentArgument.Syntax} in row-major order (repeat for more leaves; "
                + "others have tangent zero). Each node's tangent, its Jacobian-vector product, is printed beside its value.",
            CustomParser = TangentArgument.Parse,
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("eval", "Run the forward and backward passes and print every node's value and gradient as JSON.")
        {
            file, outputs, wrt, tangents, server, token, ca,
        };
        command.SetAction(async (parsed, _) =>
        {
            var path = parsed.GetValue(file)!.ToString();
            var (chosenOutputs, chosenWrt) = (parsed.GetValue(outputs) ?? [], parsed.GetValue(wrt) ?? []);
            var chosenTangents = parsed.GetValue(tangents) ?? [];
            var report = parsed.GetValue(server) is { } address
                ? await new RemoteRun(path, address, parsed.GetValue(token), parsed.GetValue(ca), error).EvaluateAsync(chosenOutputs, chosenWrt, chosenTangents)
                : new GraphRun(path, error).Evaluate(chosenOutputs, chosenWrt, recordEdgeGradients: false, chosenTangents) is { } result
                    ? EvaluationReport.FromLocal(result)
                    : null;
            if (report is null)
            {
                return CliApp.Failure;
            }
            output.WriteLine(EvaluationJson.Write(report));
            new GraphRun(path, error).ExplainMissingGradients(chosenOutputs, report.SummaryOutputs);
            return 0;
        });
        return command;
    }
}
