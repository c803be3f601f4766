using System.Diagnostics;
using System.Text.Json;

namespace GraphGrpc.Bench.Autodiff;

/// <summary>torch_autodiff.py, running beside the bench: one command per line, one JSON answer per line. Null-like (NaN) without PyTorch.</summary>
internal sealed class TorchProcess : IDisposable
{
    private readonly Process? _process;

    private TorchProcess(Process? process) => _process = process;

    public bool Available => _process is not null;

    public static TorchProcess Start(string python, string folder)
    {
        try
        {
            var process = Process.Start(new ProcessStartInfo(python, [Path.Combine(AppContext.BaseDirectory, "torch_autodiff.py"), folder])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            })!;
            if (process.StandardOutput.ReadLine() == "ready")
            {
                return new TorchProcess(process);
            }
            process.Kill();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"cannot run {python}: {e.Message}");
        }
        Console.Error.WriteLine("the PyTorch reference did not start; its columns show NaN");
        return new TorchProcess(null);
    }

    public double Time(string run) => Ask($"time {run}")?.GetDouble() ?? double.NaN;

    public double[] Sums(string run) => Ask($"sums {run}")?.EnumerateArray().Select(e => e.GetDouble()).ToArray() ?? [];

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
