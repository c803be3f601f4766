namespace GraphGrpc.Cli.Tests;

/// <summary>Runs the graphgrpc command in process and captures what it prints.</summary>
internal static class CliRunner
{
    public static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "examples", name);

    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = CliApp.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Writes a graph file for one test and returns its path.</summary>
    public static string WriteGraph(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"graphgrpc-cli-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }
}
