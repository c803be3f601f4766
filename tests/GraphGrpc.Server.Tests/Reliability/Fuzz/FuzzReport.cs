using System.Text;

namespace GraphGrpc.Fuzz;

/// <summary>What a fuzz run saw. A clean run has no crash, no hang and no failure.</summary>
public sealed class FuzzReport
{
    public int Cases { get; set; }

    /// <summary>Answers by gRPC status name ("OK", "INVALID_ARGUMENT", ...).</summary>
    public SortedDictionary<string, int> Statuses { get; } = new(StringComparer.Ordinal);

    /// <summary>Cases by kind, to show what was tried.</summary>
    public SortedDictionary<string, int> Kinds { get; } = new(StringComparer.Ordinal);

    /// <summary>The server process died (or, in-process, stopped answering for good).</summary>
    public int Crashes { get; set; }

    /// <summary>A call that got no answer by its deadline plus a grace period, or a probe that got none.</summary>
    public int Hangs { get; set; }

    /// <summary>Malformed replies, statuses outside the case's allowed set, and results that differ from the engine's own.</summary>
    public List<string> Failures { get; } = [];

    public int Probes { get; set; }

    public TimeSpan Elapsed { get; set; }

    public bool Clean => Crashes == 0 && Hangs == 0 && Failures.Count == 0;

    public void Count(string kind, string status)
    {
        Kinds[kind] = Kinds.GetValueOrDefault(kind) + 1;
        Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"cases tried: {Cases} in {Elapsed.TotalSeconds:F1} s ({Cases / Math.Max(Elapsed.TotalSeconds, 1e-9):F0}/s), health probes: {Probes}");
        text.AppendLine($"crashes: {Crashes}");
        text.AppendLine($"hangs: {Hangs}");
        text.AppendLine($"failures: {Failures.Count}");
        text.AppendLine("statuses by code:");
        foreach (var (status, count) in Statuses)
        {
            text.AppendLine($"  {status,-20} {count}");
        }
        text.AppendLine("cases by kind:");
        foreach (var (kind, count) in Kinds)
        {
            text.AppendLine($"  {kind,-20} {count}");
        }
        // The same fault tends to recur; one line per distinct message, with its count and first case.
        foreach (var group in Failures.GroupBy(f => f[(f.IndexOf("):", StringComparison.Ordinal) + 1)..]).Take(30))
        {
            text.AppendLine($"FAILURE x{group.Count()} {group.First()}");
        }
        return text.ToString();
    }
}
