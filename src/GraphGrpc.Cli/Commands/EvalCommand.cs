using System.CommandLine;
using GraphGrpc.Cli.Output;

namespace GraphGrpc.Cli.Commands;

/// <summary>graphgrpc eval FILE [--output ID...] [--wrt ID...]: each node's value and gradient as JSON.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = CommonOptions.GraphFile();
        var outputs = CommonOptions.Outputs();
        var wrt = CommonOptions.Wrt();
        var command = new Command("eval", "Run the forward and backward passes and print every node's value and gradient as JSON.")
        {
            file, outputs, wrt,
        };
        command.SetAction(parsed =>
        {
            var result = new GraphRun(parsed.GetValue(file)!.ToString(), error)
                .Evaluate(parsed.GetValue(outputs) ?? [], parsed.GetValue(wrt) ?? [], recordEdgeGradients: false);
            if (result is null)
            {
                return CliApp.Failure;
            }
            output.WriteLine(EvaluationJson.Write(result));
            return 0;
        });
        return command;
    }
}
