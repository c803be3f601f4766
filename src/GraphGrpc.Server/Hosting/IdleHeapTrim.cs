using GraphGrpc.Server.Evaluation;
using Microsoft.Extensions.Options;

namespace GraphGrpc.Server.Hosting;

/// <summary>
/// Gives memory back once the server is idle after a peak. The GC frees memory only when it
/// collects, and an idle server allocates too little to trigger a collection: after the fuzzer's
/// big cases RSS stayed at 1.4-2.4 GB for as long as anyone watched, whatever the GC mode (measured
/// with tests/bench/soak --memory-seconds). So when no evaluation has run for a whole check interval
/// and the GC still holds more than <see cref="EvaluatorOptions.IdleHeapTrimAboveBytes"/>, one
/// aggressive full collection decommits what the peak left behind.
/// </summary>
internal sealed partial class IdleHeapTrim(ConcurrencyGate gate, IOptions<EvaluatorOptions> options, ILogger<IdleHeapTrim> logger) : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var above = options.Value.IdleHeapTrimAboveBytes;
        if (above <= 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(CheckInterval);
        var enteredBefore = gate.Entered;
        // Once per peak: memory that is still live after a trim (cached plans, say) is not trimmed for again.
        var threshold = above;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            // Idle: nothing running now, and nothing let in since the last check.
            var entered = gate.Entered;
            var idle = gate.Active == 0 && entered == enteredBefore;
            enteredBefore = entered;
            if (idle && GC.GetGCMemoryInfo().TotalCommittedBytes > threshold)
            {
                var before = Environment.WorkingSet;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                LogTrimmed(logger, before >> 20, Environment.WorkingSet >> 20);
                threshold = Math.Max(above, GC.GetGCMemoryInfo().TotalCommittedBytes + (above / 2));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idle after a memory peak: a full collection took the working set from {Before} MiB to {After} MiB")]
    private static partial void LogTrimmed(ILogger logger, long before, long after);
}
