using System.CommandLine;

namespace GraphGrpc.Cli.Commands;

/// <summary>graphgrpc validate FILE: the topological order, or every problem with exit code 1.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = CommonOptions.GraphFile();
        var server = CommonOptions.Server();
        var token = CommonOptions.Token();
        var ca = CommonOptions.Ca();
        var command = new Command("validate", "Check a graph file and print its nodes in topological (Kahn) order.") { file, server, token, ca };
        command.SetAction(async (parsed, _) =>
        {
            var path = parsed.GetValue(file)!.ToString();
            var order = parsed.GetValue(server) is { } address
                ? await new RemoteRun(path, address, parsed.GetValue(token), parsed.GetValue(ca), error).ValidateAsync()
                : new GraphRun(path, error).CompileValid()?.Ids;
            if (order is null)
            {
                return CliApp.Failure;
            }
            output.WriteLine($"valid: {order.Count} nodes in topological order");
            foreach (var id in order)
            {
                output.WriteLine(id);
            }
            return 0;
        });
        return command;
    }
}
