using System.Diagnostics;
using Google.Protobuf;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;

namespace GraphGrpc.Bench.Soak;

/// <summary>
/// The unary part under h2load (nghttp2-client): one small EvaluateUnary request body, framed,
/// sent over and over on 4 connections. h2load sees HTTP statuses, not grpc-status, so this
/// measures throughput and latency; the soak's own clients check the statuses.
/// </summary>
internal static class H2Load
{
    public static async Task RunAsync(string address, int seconds)
    {
        var body = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(body, RawGrpc.Frame(new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(8) }.ToByteArray()));
            var info = new ProcessStartInfo("h2load") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])["-D", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "4", "-m", "8",
                         "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body, address + "/graphgrpc.v1.GraphEvaluator/EvaluateUnary"])
            {
                info.ArgumentList.Add(argument);
            }
            using var h2load = Process.Start(info)!;
            var output = await h2load.StandardOutput.ReadToEndAsync();
            await h2load.WaitForExitAsync();
            Console.WriteLine($"h2load EvaluateUnary, {seconds} s, 4 connections x 8 streams:");
            foreach (var line in output.Split('\n').Where(l => l.StartsWith("finished", StringComparison.Ordinal) || l.StartsWith("requests:", StringComparison.Ordinal)
                         || l.StartsWith("status codes:", StringComparison.Ordinal) || l.StartsWith("time for request:", StringComparison.Ordinal)))
            {
                Console.WriteLine($"  {line.Trim()}");
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("h2load is not installed (apt package nghttp2-client); skipped");
        }
        finally
        {
            File.Delete(body);
        }
    }
}
