using System.Diagnostics;
using System.Text.Json;

namespace GraphGrpc.Bench.Suite;

/// <summary>
/// A PyTorch process that holds the cases' graphs and inputs (written to a folder) and, on each
/// request, evaluates one case once and says how long it took, so its runs interleave with ours.
/// Null-like when PyTorch cannot be started: every time is NaN.
/// </summary>
internal sealed class TorchReference : IDisposable
{
    private readonly Process? _process;

    private TorchReference(Process? process) => _process = process;

    public bool Available => _process is not null;

    public static TorchReference Start(string python, string folder)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "torch_suite.py");
        try
        {
            var process = Process.Start(new ProcessStartInfo(python, [script, folder])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            })!;
            // The script prints "ready" once torch is loaded and every case's tensors are built.
            if (process.StandardOutput.ReadLine() != "ready")
            {
                process.Kill();
                Console.Error.WriteLine("the PyTorch reference did not start; its columns show NaN");
                return new TorchReference(null);
            }
            return new TorchReference(process);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"cannot run {python}: {e.Message}; the PyTorch columns show NaN");
            return new TorchReference(null);
        }
    }

    /// <summary>Evaluates the case once, forward and backward; its time in seconds.</summary>
    public double Time(string caseName) => Ask($"time {caseName}")?.GetDouble() ?? double.NaN;

    /// <summary>The sum of each output and gradient column, to check that both sides compute the same thing.</summary>
    public double[] Checksums(string caseName) =>
        Ask($"sums {caseName}")?.EnumerateArray().Select(e => e.GetDouble()).ToArray() ?? [];

    private JsonElement? Ask(string command)
    {
        if (_process is null)
        {
            return null;
        }
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the PyTorch reference exited");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public void Dispose()
    {
        if (_process is null)
        {
            return;
        }
        _process.StandardInput.Close();
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
