namespace GraphGrpc.Server.Tests.Deployment;

/// <summary>
/// Scale-out on one machine (tests/scaleout/run.sh): three servers, published by the image's own
/// publish commands, behind a Python grpcio round_robin client that kills one of them mid-run.
/// </summary>
public sealed class ScaleOutTests
{
    [Fact]
    public async Task RoundRobin_ThreeServersOneKilledMidRun_AllServeAndNoResultIsLost()
    {
        var publish = Directory.CreateTempSubdirectory("graphgrpc-scaleout-").FullName;
        try
        {
            // The Dockerfile's own publish commands, into a folder instead of the image's /app.
            var commands = Dockerfile.PublishCommands();
            Assert.Equal(2, commands.Count);
            foreach (var command in commands)
            {
                await Programs.RunToSuccessAsync("dotnet", command.Select(a => a.Replace("/app", publish, StringComparison.Ordinal)));
            }

            var output = await Programs.RunToSuccessAsync("bash", [Path.Combine(Programs.RepositoryRoot, "tests/scaleout/run.sh"), publish],
                TimeSpan.FromMinutes(5));

            Assert.Equal(
                ["PASS all_three_served", "PASS results_equal_single_server", "PASS kill_lost_no_result"],
                output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => line.StartsWith("PASS", StringComparison.Ordinal) || line.StartsWith("FAIL", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(publish, recursive: true);
        }
    }
}
