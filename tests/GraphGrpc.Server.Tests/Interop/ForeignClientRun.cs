using System.Text;

namespace GraphGrpc.Server.Tests.Interop;

/// <summary>One run of a foreign client program over every case: its exit code, what it printed, and the verdict per case.</summary>
public sealed record ForeignClientRun(int ExitCode, string Output, string Error)
{
    /// <summary>The cases every client runs, by the names the clients give them (tests/interop/README.md says what each checks).</summary>
    public static readonly string[] Cases =
    [
        "validate", "evaluate_unary", "evaluate_stream", "evaluate_batch",
        "deadline_exceeded", "cancel_evaluate_stream", "cancel_batch_stream",
        "status_details", "large_request", "large_response", "gzip_unary", "gzip_batch",
        "health_check", "health_watch",
    ];

    public static string CaseList => string.Join(",", Cases);

    /// <summary>The client's "PASS name" or "FAIL name: reason" line, or everything it printed when it gave none.</summary>
    public string Verdict(string testCase)
    {
        foreach (var line in Output.Split('\n'))
        {
            if (line == $"PASS {testCase}" || line.StartsWith($"FAIL {testCase}:", StringComparison.Ordinal))
            {
                return line;
            }
        }
        return new StringBuilder($"no verdict for {testCase}; exit code {ExitCode}\n").AppendLine(Output).AppendLine(Error).ToString();
    }
}
