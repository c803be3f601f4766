using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Server.Tests;

/// <summary>
/// A deadline or a client's cancel stops the computation itself, not merely the call: the server
/// holds an evaluation's concurrency slot until its worker has stopped, so the slot coming free
/// long before the work could have finished shows the work stopped.
/// </summary>
public sealed class CancellationTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    // About a thousand node rules of milliseconds each: far longer to finish than any wait below.
    private static readonly Contracts.V1.EvaluateRequest LongEvaluation = Graphs.Quiet(Graphs.SlowChain(1000));

    [Fact]
    public async Task Evaluate_DeadlinePasses_DeadlineExceededAndTheWorkStops()
    {
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            EventStream.CollectAsync(server.Client, LongEvaluation, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await WaitFor.Condition(() => server.Gate.Active == 0, TimeSpan.FromSeconds(2));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the call took {clock.Elapsed}");
    }

    [Fact]
    public async Task Evaluate_ClientCancels_TheWorkStops()
    {
        using var cancel = new CancellationTokenSource();
        var call = server.Client.Evaluate(LongEvaluation, new CallOptions(cancellationToken: cancel.Token));
        var reading = call.ResponseStream.MoveNext(CancellationToken.None);
        await WaitFor.Condition(() => server.Gate.Active == 1);

        await cancel.CancelAsync();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() => reading);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await WaitFor.Condition(() => server.Gate.Active == 0, TimeSpan.FromSeconds(2));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the work went on for {clock.Elapsed} after the cancel");
        call.Dispose();
    }

    [Fact]
    public async Task EvaluateUnary_DeadlinePasses_TheWorkStops()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.EvaluateUnaryAsync(LongEvaluation, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await WaitFor.Condition(() => server.Gate.Active == 0, TimeSpan.FromSeconds(2));
    }
}
