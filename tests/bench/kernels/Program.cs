using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using GraphGrpc.Engine.Kernels;

// Single-thread medians over 1,000,000 doubles: the project's kernels, TensorPrimitives, a Math.* loop,
// and PyTorch 1.13 with one thread on the same inputs, measured in this run. Ratios are other / ours.
const int Count = 1_000_000;
var repetitions = args.Length > 0 ? int.Parse(args[0]) : 31;
var python = Environment.GetEnvironmentVariable("TORCH_PYTHON") ?? "/usr/bin/python3";

Case[] cases =
[
    new("exp", -10, 10, ExpKernel.Exp, TensorPrimitives.Exp, Math.Exp),
    new("log", 1e-3, 1e3, LogKernel.Log, TensorPrimitives.Log, Math.Log),
    new("sin", -10, 10, SinKernel.Sin, TensorPrimitives.Sin, Math.Sin),
    new("cos", -10, 10, CosKernel.Cos, TensorPrimitives.Cos, Math.Cos),
    new("tanh", -5, 5, TanhKernel.Tanh, TensorPrimitives.Tanh, Math.Tanh),
    new("sigmoid", -10, 10, SigmoidKernel.Sigmoid, TensorPrimitives.Sigmoid, x => 1 / (1 + Math.Exp(-x))),
    new("exp_wide", -745, 709, ExpKernel.Exp, TensorPrimitives.Exp, Math.Exp),
    new("sin_wide", -1e8, 1e8, SinKernel.Sin, TensorPrimitives.Sin, Math.Sin),
];

var directory = Directory.CreateTempSubdirectory("kernel-bench-");
try
{
    var inputs = new Dictionary<string, double[]>();
    var random = new Random(42);
    foreach (var c in cases)
    {
        var x = new double[Count];
        for (var i = 0; i < Count; i++)
        {
            x[i] = c.Low + (c.High - c.Low) * random.NextDouble();
        }
        inputs[c.Name] = x;
        File.WriteAllBytes(Path.Combine(directory.FullName, c.Name + ".f64"), MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
    }

    var torch = RunTorch(python, directory.FullName, repetitions);

    Console.WriteLine($"1,000,000 float64 values, one thread, median of {repetitions}; ratio = other time / our time");
    Console.WriteLine($"{"kernel",-9} {"range",-15} {"ours ms",8} {"TP ms",8} {"Math ms",8} {"torch ms",9} {"TP/ours",8} {"Math/ours",10} {"torch/ours",11}");
    foreach (var c in cases)
    {
        var x = inputs[c.Name];
        var y = new double[Count];
        var times = Interleaved(repetitions,
            () => c.Ours(x, y),
            () => c.Tensor(x, y),
            () =>
            {
                for (var i = 0; i < x.Length; i++)
                {
                    y[i] = c.Scalar(x[i]);
                }
            });
        var torchMs = torch.TryGetValue(c.Name, out var t) ? t : double.NaN;
        Console.WriteLine(
            $"{c.Name,-9} {$"[{c.Low:G3}, {c.High:G3}]",-15} {times[0],8:F3} {times[1],8:F3} {times[2],8:F3} {torchMs,9:F3} " +
            $"{times[1] / times[0],8:F2} {times[2] / times[0],10:F2} {torchMs / times[0],11:F2}");
    }
}
finally
{
    directory.Delete(recursive: true);
}

// Each round runs every variant once, so machine noise spreads evenly; the median of each is reported.
static double[] Interleaved(int repetitions, params Action[] variants)
{
    for (var warmup = 0; warmup < 20; warmup++)
    {
        foreach (var variant in variants)
        {
            variant();
        }
    }
    var samples = variants.Select(_ => new List<double>()).ToArray();
    for (var round = 0; round < repetitions; round++)
    {
        for (var v = 0; v < variants.Length; v++)
        {
            var start = Stopwatch.GetTimestamp();
            variants[v]();
            samples[v].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }
    return samples.Select(s => s.Order().ElementAt(s.Count / 2)).ToArray();
}

static Dictionary<string, double> RunTorch(string python, string directory, int repetitions)
{
    var script = Path.Combine(AppContext.BaseDirectory, "torch_reference.py");
    var start = new ProcessStartInfo(python, [script, directory, repetitions.ToString(System.Globalization.CultureInfo.InvariantCulture)])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    try
    {
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode == 0)
        {
            return JsonSerializer.Deserialize<Dictionary<string, double>>(output)!;
        }
        Console.Error.WriteLine($"PyTorch reference failed ({python}): {error.Trim()}");
    }
    catch (System.ComponentModel.Win32Exception e)
    {
        Console.Error.WriteLine($"PyTorch reference not run ({python}): {e.Message}");
    }
    return [];
}

internal delegate void SpanKernel(ReadOnlySpan<double> x, Span<double> destination);

internal sealed record Case(string Name, double Low, double High, SpanKernel Ours, SpanKernel Tensor, Func<double, double> Scalar);
