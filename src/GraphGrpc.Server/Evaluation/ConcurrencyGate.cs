using Microsoft.Extensions.Options;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// Bounds the evaluations running at once. A call past the bound is refused at once with
/// RESOURCE_EXHAUSTED, so clients can back off or go to another replica instead of queueing here.
/// </summary>
public sealed class ConcurrencyGate(IOptions<EvaluatorOptions> options) : IDisposable
{
    private readonly int _limit = options.Value.MaxConcurrentEvaluations;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentEvaluations);

    /// <summary>How many evaluations hold a slot now; a slot is held until the evaluation's work has stopped.</summary>
    public int Active => _limit - _slots.CurrentCount;

    public IDisposable Enter()
    {
        if (!_slots.Wait(0))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"the server is already running its limit of {_limit} concurrent evaluations; retry later"));
        }
        return new Lease(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
