using GraphGrpc.Bench.Suite;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Explanation;
using GraphGrpc.Engine.Tensors;
using Tensor = GraphGrpc.Engine.Tensors.Tensor;

// Explain against Evaluate of the same gradient on the same compiled plan, timed interleaved in
// this run; medians. Both include the forward pass. Ratio = Explain time / Evaluate time.
var rounds = args.Length > 0 ? int.Parse(args[0]) : 15;
Console.WriteLine($"load average at start: {LoadAverage()}; {Environment.ProcessorCount} cores; median of {rounds} interleaved rounds; top K = 10");
Console.WriteLine($"{"case",-42} {"paths",24} {"Explain ms",11} {"Evaluate ms",12} {"ratio",7}  total vs Evaluate");

foreach (var (name, graph, output, wrt) in new[]
{
    ("ladder of 64 forks", Ladder(64), "x64", "x0"),
    ("random DAG of 10,000 nodes (G2's family)", Graphs.RandomDag(10_000, seed: 2), "out", "x0"),
})
{
    var plan = GraphCompiler.Compile(graph).Plan!;
    var explain = new ExplanationRequest { Output = output, Wrt = wrt };
    var evaluate = explain.AsEvaluationRequest();
    var explanation = Explainer.Explain(plan, explain);
    var gradient = Evaluator.Evaluate(plan, evaluate).GradientOf(wrt)!;
    var times = Timing.Interleaved(3, rounds,
        Timing.Timed(() => Explainer.Explain(plan, explain)),
        Timing.Timed(() => Evaluator.Evaluate(plan, evaluate)));
    var count = explanation.PathCount.ToString();
    var paths = count.Length <= 24 ? count : $"{count[..3]}…({count.Length} digits)";
    Console.WriteLine($"{name,-42} {paths,24} {times[0],11:F3} {times[1],12:F3} {times[0] / times[1],7:F1}  {Agreement(explanation.Total, gradient)}");
}
Console.WriteLine($"load average at end: {LoadAverage()}");

// Rung i splits x{i} into 0.5·x{i} and 0.5·x{i} and adds them again: 2ⁿ paths, gradient 1.
static Graph Ladder(int rungs)
{
    var graph = new Graph();
    graph.Nodes.Add(new Node { Id = "x0", Input = new Input { Value = TensorProtos.ToProto(Tensor.Scalar(0.75)) } });
    graph.Nodes.Add(new Node { Id = "half", Constant = new Constant { Value = TensorProtos.ToProto(Tensor.Scalar(0.5)) } });
    for (var i = 0; i < rungs; i++)
    {
        graph.Nodes.Add(new Node { Id = $"left{i}", Inputs = { $"x{i}", "half" }, Mul = new Mul() });
        graph.Nodes.Add(new Node { Id = $"right{i}", Inputs = { $"x{i}", "half" }, Mul = new Mul() });
        graph.Nodes.Add(new Node { Id = $"x{i + 1}", Inputs = { $"left{i}", $"right{i}" }, Add = new Add() });
    }
    return graph;
}

static string Agreement(Tensor ours, Tensor evaluated)
{
    var worst = ours.Data.Zip(evaluated.Data, (x, y) => Math.Abs(x - y) / Math.Max(1, Math.Abs(y))).Max();
    return worst <= 1e-12 ? $"agrees (relative difference {worst:G2})" : $"DIFFERS (relative difference {worst:G2})";
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
