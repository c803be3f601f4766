using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.Extensions.Options;
using Status = Google.Rpc.Status;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// Bounds the evaluations running at once. A call past the bound is refused at once with
/// RESOURCE_EXHAUSTED, so clients can back off or go to another replica instead of queueing here.
/// The refusal says when to come back: a google.rpc.RetryInfo in the status details, and the same
/// delay in the grpc-retry-pushback-ms trailer that gRPC's own retry policies read.
/// </summary>
public sealed class ConcurrencyGate(IOptions<EvaluatorOptions> options) : IDisposable
{
    /// <summary>The trailer of gRPC's retry design (A6): milliseconds to wait, or a negative value for "do not retry".</summary>
    public const string PushbackTrailer = "grpc-retry-pushback-ms";

    private readonly int _limit = options.Value.MaxConcurrentEvaluations;
    private readonly TimeSpan _retryDelay = options.Value.RetryDelayWhenBusy;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentEvaluations);
    private long _entered;

    /// <summary>How many evaluations hold a slot now; a slot is held until the evaluation's work has stopped.</summary>
    public int Active => _limit - _slots.CurrentCount;

    /// <summary>How many evaluations have been let in since the server started: it tells whether any ran between two looks.</summary>
    public long Entered => Interlocked.Read(ref _entered);

    public IDisposable Enter()
    {
        if (!_slots.Wait(0))
        {
            throw Refusal();
        }
        Interlocked.Increment(ref _entered);
        return new Lease(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private RpcException Refusal()
    {
        // Jitter here rather than in each client: a retry policy waits the pushback as given.
        var delay = _retryDelay * (0.5 + Random.Shared.NextDouble());
        var status = new Status
        {
            Code = (int)StatusCode.ResourceExhausted,
            Message = $"the server is already running its limit of {_limit} concurrent evaluations; retry after {delay.TotalMilliseconds:F0} ms",
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }) },
        };
        var refusal = status.ToRpcException();
        refusal.Trailers.Add(PushbackTrailer, ((long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture));
        return refusal;
    }

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
