using System.Runtime.InteropServices;
using GraphGrpc.Bench.Autodiff;
using GraphGrpc.Bench.Suite;
using GraphGrpc.Client;
using GraphGrpc.Contracts;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;

// Second derivatives and forward mode of G2 (the suite's 200-node DAG over x0, x1, x2) at many points,
// through EvaluateBatch on a server in its own process, against PyTorch in its process; medians of
// interleaved rounds. Ratio = PyTorch's time / ours: above 1, the service is faster.
//   HVP: the gradient graph (Differentiate, once) streamed with tangents v: its output tangents are H v.
//        PyTorch: torch.autograd.grad(out, x, create_graph=True), then grad(gradients, x, v).
//   JVP: G2 itself streamed with tangents v: the output's tangent. PyTorch: torch.autograd.forward_ad.
var rounds = args.Length > 0 ? int.Parse(args[0]) : 11;
var points = args.Length > 1 ? int.Parse(args[1]) : 1_000_000;
var python = Environment.GetEnvironmentVariable("TORCH_PYTHON") ?? "/usr/bin/python3";
Console.WriteLine($"load average at start: {LoadAverage()}");

var random = new Random(2024);
double[] Column(double low, double high) => Enumerable.Range(0, points).Select(_ => low + (high - low) * random.NextDouble()).ToArray();
string[] inputs = ["x0", "x1", "x2"];
var g2 = Graphs.RandomDag(200, seed: 2);
var columns = inputs.Select(_ => Column(-2, 2)).ToArray();
var directions = inputs.Select(_ => Column(-1, 1)).ToArray();
var batch = inputs.Select((id, i) => (id, columns[i], directions[i])).ToArray();

var folder = Directory.CreateTempSubdirectory("graphgrpc-bench-autodiff-");
using var server = await ServerProcess.StartAsync([]);
try
{
    File.WriteAllText(Path.Combine(folder.FullName, "g2.json"), GraphFiles.Format(g2));
    for (var i = 0; i < inputs.Length; i++)
    {
        File.WriteAllBytes(Path.Combine(folder.FullName, $"{inputs[i]}.f64"), MemoryMarshal.AsBytes(columns[i].AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(folder.FullName, $"v{i}.f64"), MemoryMarshal.AsBytes(directions[i].AsSpan()).ToArray());
    }
    using var torch = TorchProcess.Start(python, folder.FullName);
    using var client = GraphEvaluatorClient.ForAddress(server.Address);
    Console.WriteLine($"PyTorch reference: {(torch.Available ? "running" : "not available")}; {Environment.ProcessorCount} cores; {points:N0} points; median of {rounds} interleaved rounds");

    var gradient = await client.DifferentiateAsync(new DifferentiateRequest { Graph = g2, Wrt = { inputs } });
    string[] sinks = [.. inputs.Select(id => gradient.Gradients.Single(s => s.Wrt == id).NodeId)];
    Console.WriteLine($"G2: {g2.Nodes.Count} nodes; its gradient graph: {gradient.Graph.Nodes.Count} nodes");
    var hvpStart = Start(gradient.PlanHash, sinks);
    var hvp = sinks.Select(_ => new double[points]).ToArray();

    // G2 itself goes with every stream: 200 nodes, and the server finds its plan in the cache after the first.
    var jvpStart = Start("", ["out"]);
    jvpStart.Graph = g2;
    var jvp = new[] { new double[points] };

    await BatchStream.RunAsync(client, hvpStart, batch, sinks, hvp);
    await BatchStream.RunAsync(client, jvpStart, batch, ["out"], jvp);
    Check("HVP", [.. hvp.Select(c => c.Sum())], torch.Sums("hvp"));
    Check("JVP", [.. jvp.Select(c => c.Sum())], torch.Sums("jvp"));

    var hvpTimes = Timing.Interleaved(2, rounds, () => BatchStream.RunAsync(client, hvpStart, batch, sinks, hvp).GetAwaiter().GetResult(), () => torch.Time("hvp"));
    var jvpTimes = Timing.Interleaved(2, rounds, () => BatchStream.RunAsync(client, jvpStart, batch, ["out"], jvp).GetAwaiter().GetResult(), () => torch.Time("jvp"));

    Console.WriteLine($"load average at end: {LoadAverage()} (other work on the machine inflates PyTorch's multi-threaded times most)");
    Console.WriteLine($"{"case",-96} {"ours ms",9} {"reference",-22} {"ref ms",9} {"ratio",7} {"goal",6}  met");
    Print($"G2 Hessian-vector product, {points:N0} points: EvaluateBatch on the gradient graph, tangents v", hvpTimes, "PyTorch double backward", 1.0);
    Print($"G2 Jacobian-vector product, {points:N0} points: EvaluateBatch with tangents v", jvpTimes, "torch forward_ad", 1.5);
}
finally
{
    folder.Delete(recursive: true);
}

static BatchStart Start(string planHash, string[] outputs)
{
    var start = new BatchStart { BatchInputs = { "x0", "x1", "x2" }, TangentInputs = { "x0", "x1", "x2" }, Outputs = { outputs }, ForwardOnly = true, RawTensors = true };
    if (planHash.Length > 0)
    {
        start.PlanHash = planHash;
    }
    return start;
}

static void Print(string name, double[] times, string reference, double goal)
{
    var ratio = times[1] / times[0];
    Console.WriteLine($"{name,-96} {times[0],9:F1} {reference,-22} {times[1],9:F1} {ratio,7:F2} {$"≥{goal:0.##}",6}  {(ratio >= goal ? "yes" : double.IsNaN(ratio) ? "?" : "no")}");
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static void Check(string name, double[] ours, double[] reference)
{
    if (reference.Length == 0)
    {
        return;
    }
    var worst = ours.Zip(reference, (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-300)).Max();
    Console.WriteLine($"{name}: column sums agree with PyTorch's to a relative {worst:G2}{(worst > 1e-9 ? "  <-- MISMATCH" : "")}");
}
