using System.Diagnostics;

namespace GraphGrpc.Server.Tests;

internal static class WaitFor
{
    /// <summary>Polls until the condition holds, failing after <paramref name="timeout"/> (10 s by default).</summary>
    public static async Task Condition(Func<bool> condition, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(10)))
            {
                Assert.Fail("the condition did not hold in time");
            }
            await Task.Delay(5);
        }
    }
}
