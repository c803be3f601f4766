namespace GraphGrpc.Server.Hosting;

/// <summary>
/// The most cores one batch chunk may use (EvaluatorOptions.MaxBatchWorkers), set once when the
/// host is built. Held here because a batch call is made by the service without the options.
/// </summary>
internal static class BatchWorkers
{
    private static int _max = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>The bound passed to the batch evaluator as maxWorkers; 0 means every core.</summary>
    public static int Max => Volatile.Read(ref _max);

    public static void Configure(int maxWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWorkers);
        Volatile.Write(ref _max, maxWorkers);
    }
}
