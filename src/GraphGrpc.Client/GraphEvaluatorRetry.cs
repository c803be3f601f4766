using Grpc.Net.Client.Configuration;

namespace GraphGrpc.Client;

/// <summary>
/// grpc-dotnet's own retry policy for the calls that are safe to repeat: Validate, Evaluate,
/// EvaluateUnary and Explain. EvaluateBatch is left out: under grpc-dotnet's retrying call a batch
/// whose deadline expires mid-stream surfaced as UNAVAILABLE instead of DEADLINE_EXCEEDED (the
/// client's expiring-deadline test, 100 deadlines), and every chunk would be copied into the replay
/// buffer until the first answer. Only RESOURCE_EXHAUSTED is retried: the server's
/// refusal when it is at its concurrency limit, which carries the delay to wait in
/// grpc-retry-pushback-ms (the server spreads it, so refused clients do not come back together).
/// A limit the request broke is RESOURCE_EXHAUSTED too, with a pushback of -1: never retried.
/// </summary>
internal static class GraphEvaluatorRetry
{
    private const string Service = "graphgrpc.v1.GraphEvaluator";

    private static readonly string[] IdempotentMethods = ["Validate", "Evaluate", "EvaluateUnary", "Explain"];

    /// <summary>The service config for a channel; null when <paramref name="maxAttempts"/> is 1 (no retries).</summary>
    public static ServiceConfig? Config(int maxAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        if (maxAttempts == 1)
        {
            return null;
        }
        var method = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = maxAttempts,
                // Used only when a refusal carries no pushback; grpc-dotnet adds its own jitter to these.
                InitialBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(2),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { Grpc.Core.StatusCode.ResourceExhausted },
            },
        };
        foreach (var name in IdempotentMethods)
        {
            method.Names.Add(new MethodName { Service = Service, Method = name });
        }
        return new ServiceConfig { MethodConfigs = { method } };
    }
}
