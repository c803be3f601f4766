using GraphGrpc.Fuzz;
using Xunit.Abstractions;

namespace GraphGrpc.Server.Tests.Reliability;

/// <summary>
/// A short seeded fuzz run against the in-process server: every RPC gets random bytes, mutated
/// messages and random graphs, and every answer must be a well-formed status from the allowed set
/// (or a result equal to the engine's) within the deadline, with the server answering probes throughout.
/// The long run against a separate process is tests/fuzz.
/// </summary>
public sealed class FuzzTests(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task EveryRpc_SeededFuzzCases_WellFormedStatusesNoHangs()
    {
        using var runner = new FuzzRunner(server.Address, new FuzzOptions
        {
            Cases = 1000,
            Seed = 7,
            BigEvery = 250,
            ChainDepth = 1_000_000,
        });

        var report = await runner.RunAsync();

        output.WriteLine(report.ToString());
        Assert.Equal(1000, report.Cases);
        Assert.True(report.Clean, report.ToString());
        // The run must have reached both the evaluator and the error paths, not only the parser.
        Assert.True(report.Statuses.GetValueOrDefault("OK") > 60, report.ToString());
        Assert.True(report.Statuses.GetValueOrDefault("INVALID_ARGUMENT") > 60, report.ToString());
        Assert.True(report.Statuses.GetValueOrDefault("INTERNAL") > 60, report.ToString());
        Assert.Equal(0, server.Gate.Active);
    }
}
