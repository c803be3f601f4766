using System.Diagnostics;
using System.Text;

namespace GraphGrpc.Transport.Tests.Interop;

/// <summary>Runs a foreign interop client once for every case and keeps each case's verdict.</summary>
public static class InteropClientRunner
{
    public static readonly string[] InteropCases =
    [
        "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
        "timeout_on_sleeping_server", "cancel_after_begin", "cancel_after_first_response",
        "status_code_and_message", "special_status_message", "custom_metadata",
        "unimplemented_method", "unimplemented_service",
        "client_compressed_unary", "client_compressed_streaming", "server_compressed_unary", "server_compressed_streaming",
    ];

    /// <summary>Each client also checks the standard health service.</summary>
    public static readonly string[] HealthCases = ["health_check", "health_watch"];

    public static readonly string[] AllCases = [.. InteropCases, .. HealthCases];

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Parses "PASS name" / "FAIL name: reason" lines into verdicts.</summary>
    public static async Task<ClientRun> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish in time. Output so far: {await stdout}");
        }
        return new ClientRun(process.ExitCode, await stdout, await stderr);
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

/// <summary>One run of a client program: its exit code, output, and the verdict per case.</summary>
public sealed record ClientRun(int ExitCode, string StandardOutput, string StandardError)
{
    public string Verdict(string testCase)
    {
        foreach (var line in StandardOutput.Split('\n'))
        {
            if (line == $"PASS {testCase}" || line.StartsWith($"FAIL {testCase}:", StringComparison.Ordinal))
            {
                return line;
            }
        }
        var builder = new StringBuilder($"no verdict for {testCase}; exit code {ExitCode}\n");
        builder.AppendLine(StandardOutput).AppendLine(StandardError);
        return builder.ToString();
    }
}
