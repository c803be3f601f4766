using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace GraphGrpc.Fuzz;

/// <summary>
/// The built server (GraphGrpc.Server.dll, copied beside whatever references the server project)
/// in a process of its own on a free loopback port, so that a crash shows as an exit and its memory
/// and threads can be read from /proc.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _tail = [];

    private ServerProcess(Process process) => _process = process;

    public string Address { get; private set; } = "";

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the server wrote, for a report when it died.</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(Environment.NewLine, _tail);
            }
        }
    }

    /// <summary>Starts the server with <paramref name="settings"/> (e.g. --GraphGrpc:DrainTime=00:00:10) and waits until it listens.</summary>
    public static async Task<ServerProcess> StartAsync(IEnumerable<string> settings, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "GraphGrpc.Server.dll"));
        foreach (var argument in (string[])["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
                     "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information", .. settings])
        {
            info.ArgumentList.Add(argument);
        }
        var server = new ServerProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the server"));
        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            server.Address = await server._address.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            server.Dispose();
            throw new InvalidOperationException($"the server did not start listening: {server.Tail}");
        }
        return server;
    }

    /// <summary>Sends SIGTERM, as an orchestrator does to stop a pod.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Resident memory now (VmRSS), its peak (VmHWM), in bytes, and the thread count, from /proc.</summary>
    public (long Rss, long PeakRss, int Threads) Sample()
    {
        long rss = 0, peak = 0;
        var threads = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line) * 1024;
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line) * 1024;
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process has gone; zeros say so.
        }
        return (rss, peak, threads);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }

    private static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_tail)
        {
            _tail.Add(line);
            if (_tail.Count > 200)
            {
                _tail.RemoveAt(0);
            }
        }
        if (ListeningOn().Match(line) is { Success: true } match)
        {
            _address.TrySetResult(match.Groups[1].Value);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
