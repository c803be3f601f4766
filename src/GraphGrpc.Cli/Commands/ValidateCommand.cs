using System.CommandLine;

namespace GraphGrpc.Cli.Commands;

/// <summary>graphgrpc validate FILE: the topological order, or every problem with exit code 1.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = CommonOptions.GraphFile();
        var command = new Command("validate", "Check a graph file and print its nodes in topological (Kahn) order.") { file };
        command.SetAction(parsed =>
        {
            if (new GraphRun(parsed.GetValue(file)!.ToString(), error).CompileValid() is not { } plan)
            {
                return CliApp.Failure;
            }
            output.WriteLine($"valid: {plan.Count} nodes in topological order");
            foreach (var id in plan.Ids)
            {
                output.WriteLine(id);
            }
            return 0;
        });
        return command;
    }
}
