using System.Globalization;
using GraphGrpc.Fuzz;

// Usage: dotnet run --project tests/fuzz -c Release -- [--cases N] [--seed S] [--address URL] [--big-every N] [--chain-depth N] [--save-failures DIR]
// Without --address it starts the built server in a process of its own, so that a crash is observable.
var settings = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    settings[args[i].TrimStart('-')] = args[i + 1];
}
int Setting(string name, int fallback) => settings.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

var address = settings.GetValueOrDefault("address");
using var server = address is null ? await ServerProcess.StartAsync([]) : null;
address ??= server!.Address;
var options = new FuzzOptions
{
    Cases = Setting("cases", 10_000),
    Seed = Setting("seed", 1),
    BigEvery = Setting("big-every", 500),
    ChainDepth = Setting("chain-depth", 1_000_000),
    ServerAlive = () => server is null || !server.HasExited,
    Progress = Console.Out,
    SaveFailuresTo = settings.GetValueOrDefault("save-failures"),
};
Console.WriteLine($"fuzzing {address}: seed {options.Seed}, {options.Cases} cases");

using var runner = new FuzzRunner(address, options);
var report = await runner.RunAsync();
Console.WriteLine(report);
if (server is not null)
{
    var (rss, peak, threads) = server.Sample();
    Console.WriteLine($"server process: alive {!server.HasExited}, RSS {rss / 1048576} MiB, peak RSS {peak / 1048576} MiB, threads {threads}");
    if (server.HasExited || !report.Clean)
    {
        Console.WriteLine($"server {(server.HasExited ? $"exited with {server.ExitCode}" : "is up")}; its last lines:{Environment.NewLine}{server.Tail}");
    }
}
return report.Clean ? 0 : 1;
