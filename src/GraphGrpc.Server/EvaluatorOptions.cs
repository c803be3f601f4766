namespace GraphGrpc.Server;

/// <summary>The service's limits and shutdown behaviour: configuration section "GraphGrpc".</summary>
public sealed class EvaluatorOptions
{
    public const string Section = "GraphGrpc";

    /// <summary>The most nodes a graph may have; enough for a million-node chain.</summary>
    public int MaxNodes { get; set; } = 2_000_000;

    /// <summary>The most elements any one tensor, given or computed, may have.</summary>
    public long MaxTensorElements { get; set; } = 16L * 1024 * 1024;

    /// <summary>The largest request or response message, in bytes; a million-node graph is about 40 MiB.</summary>
    public int MaxMessageSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Evaluations running at once; one more is refused with RESOURCE_EXHAUSTED rather than queued.</summary>
    public int MaxConcurrentEvaluations { get; set; } = 4 * Environment.ProcessorCount;

    /// <summary>
    /// The delay a refused call is told to wait before retrying (google.rpc.RetryInfo and the
    /// grpc-retry-pushback-ms trailer), spread by ±50% per refusal so refused clients do not return together.
    /// </summary>
    public TimeSpan RetryDelayWhenBusy { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The most cores one batch stream's chunk may use at once; 0 for every core. The default leaves
    /// one core free for small calls on a machine with more than one.
    /// </summary>
    public int MaxBatchWorkers { get; set; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>
    /// When the server has been idle for a few seconds and the GC still holds more than this many
    /// bytes, one full collection gives the rest back to the system; 0 turns it off.
    /// </summary>
    public long IdleHeapTrimAboveBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Compiled plans kept for repeated graphs; 0 turns the cache off.</summary>
    public int PlanCacheEntries { get; set; } = 256;

    /// <summary>The most (estimated) memory the plan cache may hold.</summary>
    public long PlanCacheBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How long running calls may go on after SIGTERM before the server stops them.</summary>
    public TimeSpan DrainTime { get; set; } = TimeSpan.FromSeconds(25);
}
