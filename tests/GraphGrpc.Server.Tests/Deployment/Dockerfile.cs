using System.Text.RegularExpressions;

namespace GraphGrpc.Server.Tests.Deployment;

/// <summary>deploy/docker/Dockerfile read as instructions: continuation lines joined, comments dropped.</summary>
internal static partial class Dockerfile
{
    public const string RelativePath = "deploy/docker/Dockerfile";

    public static IReadOnlyList<(string Instruction, string Arguments)> Instructions { get; } = Read();

    public static IEnumerable<string> All(string instruction) =>
        Instructions.Where(i => i.Instruction == instruction).Select(i => i.Arguments);

    /// <summary>Every <c>dotnet publish</c> command the image build runs, as argument lists.</summary>
    public static IReadOnlyList<string[]> PublishCommands() =>
        All("RUN").SelectMany(run => run.Split("&&", StringSplitOptions.TrimEntries))
            .Where(command => command.StartsWith("dotnet publish ", StringComparison.Ordinal))
            .Select(command => command.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..])
            .ToList();

    /// <summary>The value an ENV instruction gives <paramref name="name"/>.</summary>
    public static string Env(string name) =>
        All("ENV").SelectMany(env => EnvPair().Matches(env)).Single(m => m.Groups[1].Value == name).Groups[2].Value;

    private static List<(string, string)> Read()
    {
        var instructions = new List<(string, string)>();
        var current = "";
        foreach (var raw in File.ReadAllLines(Manifests.PathOf(RelativePath)))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }
            current += (current.Length > 0 ? " " : "") + line.TrimEnd('\\').Trim();
            if (!line.EndsWith('\\'))
            {
                var space = current.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add((current[..space], current[(space + 1)..].Trim()));
                current = "";
            }
        }
        return instructions;
    }

    [GeneratedRegex(@"(\w+)=(\S*)")]
    private static partial Regex EnvPair();
}
