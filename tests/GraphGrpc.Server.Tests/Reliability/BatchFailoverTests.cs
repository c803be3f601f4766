using System.Globalization;
using GraphGrpc.Fuzz;

namespace GraphGrpc.Server.Tests.Reliability;

/// <summary>
/// Nothing lost across a server's death in a batch: two built servers in processes of their own, and
/// tests/reliability/batch_failover.py streams a batch to the first with graphgrpc.failover, kills it
/// mid-stream and checks the stream finished on the second, every chunk once and bit for bit.
/// </summary>
public sealed class BatchFailoverTests
{
    [Fact]
    public async Task PythonBatchStream_ServerKilledMidStream_ResumesOnAnotherWithEveryChunkOnce()
    {
        using var first = await ServerProcess.StartAsync([]);
        using var second = await ServerProcess.StartAsync([]);

        var (exitCode, output, error) = await Programs.RunAsync("/usr/bin/python3",
        [
            Path.Combine(Programs.RepositoryRoot, "tests/reliability/batch_failover.py"),
            "--first", new Uri(first.Address).Authority, "--first-pid", first.Id.ToString(CultureInfo.InvariantCulture),
            "--second", new Uri(second.Address).Authority,
        ], timeout: TimeSpan.FromMinutes(4));

        Assert.True(exitCode == 0 && output.Contains("PASS batch_failover", StringComparison.Ordinal), $"{output}\n{error}");
        Assert.True(first.HasExited, "the first server was not killed");
        Assert.False(second.HasExited, $"the second server died: {second.Tail}");
    }
}
