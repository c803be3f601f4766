using System.Diagnostics;

namespace GraphGrpc.Server.Tests;

/// <summary>Runs outside programs (Python, Go, kubectl, shell scripts), from the repository root unless told otherwise.</summary>
internal static class Programs
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Runs a program to its end and returns its exit code and what it printed; a run over the timeout is killed and fails the test.</summary>
    /// <param name="environment">Variables to set; a null value removes the variable.</param>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments, TimeSpan? timeout = null,
        string? input = null, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = input is not null, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} ran past its time limit:\n{await output}\n{await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Like <see cref="RunAsync"/>, but a non-zero exit fails the test with everything the program printed.</summary>
    public static async Task<string> RunToSuccessAsync(string program, IEnumerable<string> arguments, TimeSpan? timeout = null,
        string? input = null, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var (exitCode, output, error) = await RunAsync(program, arguments, timeout, input, workingDirectory, environment);
        Assert.True(exitCode == 0, $"{program} exited with {exitCode}:\n{output}\n{error}");
        return output;
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GraphGrpc.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("GraphGrpc.sln not found above the test binaries.");
    }
}
