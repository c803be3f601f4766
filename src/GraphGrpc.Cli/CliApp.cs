using System.CommandLine;
using GraphGrpc.Cli.Commands;

namespace GraphGrpc.Cli;

/// <summary>The graphgrpc command line: validate, eval and render a graph file, and check a server's health.</summary>
public static class CliApp
{
    /// <summary>Exit code for a graph or request with problems, or a file that cannot be read.</summary>
    public const int Failure = 1;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Evaluate computational graphs and their gradients.")
        {
            ValidateCommand.Create(output, error),
            EvalCommand.Create(output, error),
            RenderCommand.Create(output, error),
            ExplainCommand.Create(output, error),
            GradCommand.Create(output, error),
            HealthCommand.Create(output, error),
            ImportCommand.Create(output, error),
        };
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
