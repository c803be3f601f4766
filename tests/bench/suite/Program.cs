using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using GraphGrpc.Bench.Suite;
using GraphGrpc.Contracts;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using BatchResult = GraphGrpc.Engine.Batch.BatchResult;

// The issue's benchmark cases against PyTorch 1.13 (float64, all cores), each pair timed interleaved
// in this run; medians. Ratio = reference time / our time: above 1, the engine is faster.
const int Points = 1_000_000;
var rounds = args.Length > 0 ? int.Parse(args[0]) : 15;
var python = Environment.GetEnvironmentVariable("TORCH_PYTHON") ?? "/usr/bin/python3";
var table = new List<Row>();
var memory = "server memory over a 50,000,000-point stream: not measured";
Console.WriteLine($"load average at start: {LoadAverage()}");

// G5 first, so that the process's peak working set is its own and not the batch cases' columns.
var scaling = Scaling.Run(Math.Max(3, rounds / 5));

var folder = Directory.CreateTempSubdirectory("graphgrpc-bench-");
try
{
    var random = new Random(2024);
    double[] Column(double low, double high) => Enumerable.Range(0, Points).Select(_ => low + (high - low) * random.NextDouble()).ToArray();

    // G1: seed 002, z = log(3x² + 5xy), with x and y positive so the log is defined everywhere.
    var g1Graph = GraphFiles.Read(Path.Combine(AppContext.BaseDirectory, "seed002-log-expression.json"));
    var g1Columns = new[] { Column(0.5, 2), Column(0.5, 2) };
    var g1 = new BatchCase("G1", (4, 6), g1Graph, ["x", "y"], g1Columns, ["z"], ["x", "y"]);

    var g2Graph = Graphs.RandomDag(200, seed: 2);
    var g2 = new BatchCase("G2", (5, 5), g2Graph, ["x0", "x1", "x2"], [Column(-2, 2), Column(-2, 2), Column(-2, 2)], ["out"], ["x0", "x1", "x2"]);

    var g3Graph = Graphs.Mlp(samples: 1024, features: 64, hidden: 128, seed: 3);
    var g3Plan = GraphCompiler.Compile(g3Graph).Plan!;
    var g3Request = new EvaluationRequest { Outputs = ["loss"], Wrt = ["W1", "b1", "W2", "b2"] };

    var cases = new Dictionary<string, object>
    {
        ["G1"] = g1.Write(folder.FullName),
        ["G2"] = g2.Write(folder.FullName),
        ["G3"] = CaseFiles.Write(folder.FullName, "G3", g3Graph, g3Request.Outputs, g3Request.Wrt),
        // G4: G2's graph at the one point its leaves hold.
        ["G4"] = CaseFiles.Write(folder.FullName, "G4", g2Graph, ["out"], ["x0", "x1", "x2"]),
    };
    File.WriteAllText(Path.Combine(folder.FullName, "cases.json"), JsonSerializer.Serialize(cases));

    using var torch = TorchReference.Start(python, folder.FullName);
    Console.WriteLine($"PyTorch reference: {(torch.Available ? "running" : "not available")}; {Environment.ProcessorCount} cores; median of {rounds} interleaved rounds");

    foreach (var batch in new[] { g1, g2 })
    {
        Check(batch.Name, batch.Checksums(), torch.Checksums(batch.Name));
        var allocated = batch.AllocatedBytesPerRun();
        var times = Timing.Interleaved(3, rounds, Timing.Timed(() => batch.Run()), Timing.Timed(batch.RunIntoReused), () => torch.Time(batch.Name));
        table.Add(new Row($"{batch.Name} engine in-process, {Points:N0} points ({batch.Description})", times[0], "PyTorch", times[2], batch.Goal.Fresh));
        table.Add(new Row($"{batch.Name}   the same, result columns reused (EvaluateInto)", times[1], "PyTorch", times[2], batch.Goal.Reused));
        Console.WriteLine($"{batch.Name}: {allocated / 1024.0:N0} KiB allocated per run beyond the result columns");
    }

    var fusedResult = (new double[Points], new double[Points], new double[Points]);
    FusedSeed002.Run(g1Columns[0], g1Columns[1], fusedResult);
    Check("G1 fused loop", [fusedResult.Item1.Sum(), fusedResult.Item2.Sum(), fusedResult.Item3.Sum()], g1.Checksums(), "the engine's");
    var fused = Timing.Interleaved(3, rounds, Timing.Timed(g1.RunIntoReused), Timing.Timed(() => FusedSeed002.Run(g1Columns[0], g1Columns[1], fusedResult)));
    table.Add(new Row("G1 engine vs hand-written fused loop (AVX-512, the project's log), reused columns", fused[0], "fused loop", fused[1], 0.6));

    using (var grpc = await OverGrpc.StartAsync(g1Graph))
    {
        var results = new[] { new double[Points], new double[Points], new double[Points] };
        await grpc.G1Async(g1Columns[0], g1Columns[1], results);
        Check("G1 over gRPC", [.. results.Select(c => c.Sum())], torch.Checksums("G1"));
        var overGrpc = Timing.Interleaved(2, rounds,
            () => grpc.G1Async(g1Columns[0], g1Columns[1], results).GetAwaiter().GetResult(), () => torch.Time("G1"));
        table.Add(new Row("G1 EvaluateBatch over loopback, .NET client, raw bytes, plan cached", overGrpc[0], "PyTorch", overGrpc[1], 1.0));

        // G4: the same graph each call, so every call after the first finds its plan in the server's cache.
        var g4Request = new EvaluateRequest
        {
            Graph = g2Graph,
            Outputs = { "out" },
            Wrt = { "x0", "x1", "x2" },
            Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Listed, NodeIds = { "out" } },
            Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.Listed, NodeIds = { "x0", "x1", "x2" } },
        };
        var g4 = Timing.Interleaved(10, 10 * rounds, () => grpc.UnaryAsync(g4Request).GetAwaiter().GetResult(), () => torch.Time("G4"));
        table.Add(new Row("G4 one point of G2, unary Evaluate over loopback, plan cached (p50)", g4[0], "PyTorch", g4[1], 1.0));

        const int Passes = 50;
        (long Rss, long PeakRss) afterFirst = default;
        var seconds = await grpc.G1Async(g1Columns[0], g1Columns[1], results, Passes, () => afterFirst = grpc.Memory());
        var atEnd = grpc.Memory();
        memory = $"server resident memory over one {Passes * Points:N0}-point EvaluateBatch stream ({seconds:F1} s): " +
            $"{afterFirst.Rss / 1048576.0:F0} MiB after {Points:N0} points (peak so far {afterFirst.PeakRss / 1048576.0:F0}), " +
            $"{atEnd.Rss / 1048576.0:F0} MiB after {Passes * Points:N0} (peak {atEnd.PeakRss / 1048576.0:F0})";
    }

    Check("G3", G3Checksums(), torch.Checksums("G3"));
    var g3Times = Timing.Interleaved(3, rounds, Timing.Timed(() => Evaluator.Evaluate(g3Plan, g3Request)), () => torch.Time("G3"));
    table.Add(new Row("G3 MLP 64→128→1 training step, 1,024 samples", g3Times[0], "PyTorch", g3Times[1], 2.0));

    double[] G3Checksums()
    {
        var result = Evaluator.Evaluate(g3Plan, g3Request);
        return [result.ValueOf("loss").Data.Sum(), .. g3Request.Wrt.Select(w => result.GradientOf(w)!.Data.Sum())];
    }
}
finally
{
    folder.Delete(recursive: true);
}

Console.WriteLine();
Console.WriteLine($"load average at end: {LoadAverage()} (other work on the machine inflates PyTorch's multi-threaded times most)");
Console.WriteLine($"{"case",-78} {"ours ms",9} {"reference",-11} {"ref ms",9} {"ratio",7} {"goal",6}  met");
foreach (var row in table)
{
    var ratio = row.ReferenceMs / row.OursMs;
    Console.WriteLine($"{row.Case,-78} {row.OursMs,9:F2} {row.Reference,-11} {row.ReferenceMs,9:F2} {ratio,7:F2} {$"≥{row.Goal:0.##}",6}  {(ratio >= row.Goal ? "yes" : double.IsNaN(ratio) ? "?" : "no")}");
}
foreach (var line in scaling)
{
    Console.WriteLine(line);
}
Console.WriteLine(memory);
Console.WriteLine("G1 from the Python client (goal ≥0.5): bash tests/bench/python/run.sh");

// The 1-, 5- and 15-minute load averages, where the system tells them.
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static void Check(string name, double[] ours, double[] reference, string referenceName = "PyTorch's")
{
    if (reference.Length == 0)
    {
        return;
    }
    var worst = ours.Zip(reference, (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-300)).Max();
    Console.WriteLine($"{name}: column sums agree with {referenceName} to a relative {worst:G2}{(worst > 1e-9 ? "  <-- MISMATCH" : "")}");
}

internal sealed record Row(string Case, double OursMs, string Reference, double ReferenceMs, double Goal);

/// <summary>A graph evaluated at many points through the batch evaluator, and how PyTorch gets the same.</summary>
internal sealed class BatchCase(string name, (double Fresh, double Reused) goal, Graph graph, string[] batchInputs, double[][] columns, string[] outputs, string[] wrt)
{
    private readonly BatchPlan _plan = BatchPlan.Create(GraphCompiler.Compile(graph).Plan!,
        new BatchRequest { BatchInputs = batchInputs, Outputs = outputs, Wrt = wrt });

    public string Name => name;

    /// <summary>The issue's goals for PyTorch's time over ours, with fresh result columns and with reused ones.</summary>
    public (double Fresh, double Reused) Goal => goal;

    public string Description => $"{graph.Nodes.Count} nodes, value + {wrt.Length} gradients";

    private BatchResult? _reused;

    public BatchResult Run() => BatchEvaluator.Evaluate(_plan, columns, columns[0].Length);

    /// <summary>As a server streaming batch after batch would: into one set of result columns, again and again.</summary>
    public void RunIntoReused() => BatchEvaluator.EvaluateInto(_plan, columns, _reused ??= BatchResult.Allocate(_plan, columns[0].Length));

    public double[] Checksums()
    {
        var result = Run();
        return [.. result.Outputs.Select(c => c.Sum()), .. result.Gradients.Select(c => c.Sum())];
    }

    /// <summary>What one run allocates besides the result columns it hands back: the goal is none in steady state.</summary>
    public long AllocatedBytesPerRun()
    {
        Run();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = Run();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        return allocated - result.Outputs.Concat(result.Gradients).Sum(c => (long)c.Length * sizeof(double));
    }

    public Dictionary<string, object> Write(string folder) =>
        CaseFiles.Write(folder, name, graph, outputs, wrt, batchInputs.Zip(columns).ToDictionary(p => p.First, p => p.Second));
}

/// <summary>Each case's files for the PyTorch side: the graph, and each batch column as raw float64.</summary>
internal static class CaseFiles
{
    public static Dictionary<string, object> Write(string folder, string name, Graph graph, IEnumerable<string> outputs, IEnumerable<string> wrt,
        IReadOnlyDictionary<string, double[]>? columns = null)
    {
        File.WriteAllText(Path.Combine(folder, $"{name}.json"), GraphFiles.Format(graph));
        var batch = new Dictionary<string, string>();
        foreach (var (id, column) in columns ?? new Dictionary<string, double[]>())
        {
            batch[id] = $"{name}_{id}.f64";
            File.WriteAllBytes(Path.Combine(folder, batch[id]), MemoryMarshal.AsBytes(column.AsSpan()).ToArray());
        }
        return new Dictionary<string, object> { ["graph"] = $"{name}.json", ["batch"] = batch, ["outputs"] = outputs, ["wrt"] = wrt };
    }
}
