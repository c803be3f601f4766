using System.Diagnostics;

namespace GraphGrpc.Onnx.Tests;

/// <summary>Where the repository is, and running programs there: its Python with the graphgrpc package on the path, say.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PythonPackage => Path.Combine(Root, "src", "clients", "python");

    /// <summary>Runs /usr/bin/python3 to its end; a failure or a run past the limit fails the test with what it printed.</summary>
    public static string RunPython(params string[] arguments) =>
        // No __pycache__ left in the source tree.
        Run("/usr/bin/python3", arguments, ("PYTHONPATH", PythonPackage), ("PYTHONDONTWRITEBYTECODE", "1"));

    /// <summary>Runs a program in the repository to its end and returns what it printed; a failure or a run past five minutes fails the test.</summary>
    public static string Run(string program, string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} ran past five minutes:\n{error.Result}");
        }
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output.Result}\n{error.Result}");
        return output.Result;
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GraphGrpc.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("GraphGrpc.sln not found above the test binaries.");
    }
}
