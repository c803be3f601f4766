using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Fuzz;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Server.Tests.Reliability;

/// <summary>
/// Faults against the built server in a process of its own, where memory, CPU time and exit are
/// observable: a client that stops reading, SIGTERM under load, and requests past the limits.
/// Bounds are generous ratios of what the unbounded behaviour would cost, not tight timings.
/// </summary>
public sealed class FaultTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Evaluate_ClientStopsReading_ServerStopsWorkingAndTheCallEndsAtTheDeadline()
    {
        // One evaluation at a time: once the stalled call is over, a new one is admitted only if its slot came free.
        using var server = await ServerProcess.StartAsync(["--GraphGrpc:MaxConcurrentEvaluations=1"]);
        var client = GraphEvaluatorClient.ForAddress(server.Address);
        await client.EvaluateUnaryAsync(new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(4) });
        var before = server.Sample();

        // 4,000 values of 128 KiB each: 500 MiB of events if the server ran on without a reader.
        var deadline = DateTime.UtcNow.AddSeconds(6);
        using var call = client.Evaluate(new EvaluateRequest { Graph = NegChain(4000, 128 * 128) }, new CallOptions(deadline: deadline));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        await Task.Delay(1500);
        var cpuBefore = CpuTime(server.Id);
        await Task.Delay(2000);
        var cpuDuringStall = CpuTime(server.Id) - cpuBefore;
        var stalled = server.Sample();

        Assert.True(cpuDuringStall < TimeSpan.FromSeconds(0.6), $"the server used {cpuDuringStall.TotalSeconds:F2} s of CPU in 2 s with no reader");
        Assert.True(stalled.Rss - before.Rss < 200 * MiB, $"RSS grew by {(stalled.Rss - before.Rss) / MiB} MiB with no reader");
        // Still no reading until the deadline has passed. Reading earlier opened the window again, and
        // on a quick machine the whole gigabyte of events could stream in the seconds left, ending the
        // call OK before its deadline: the flake where the stream "ended without error".
        await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks)) + TimeSpan.FromMilliseconds(500));
        var count = 0;
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                count++;
            }
            Assert.Fail($"the stream ended with {call.GetStatus()} after {count} messages, {DateTime.UtcNow - deadline} past the deadline, instead of DEADLINE_EXCEEDED; the server said: {server.Tail}");
        }
        catch (RpcException e)
        {
            Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        }

        var admitted = await RetryWhileExhausted(() => client.EvaluateUnaryAsync(new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(4) }),
            deadline + TimeSpan.FromSeconds(3));
        Assert.Single(admitted.Summary.Outputs);
        client.Dispose();
    }

    [Fact]
    public async Task Sigterm_UnderLoad_AcceptedCallsCompleteNewCallsUnavailableAndExitWithinDrain()
    {
        var drain = TimeSpan.FromSeconds(8);
        using var server = await ServerProcess.StartAsync([$"--GraphGrpc:DrainTime={drain:c}"]);
        using var client = GraphEvaluatorClient.ForAddress(server.Address);

        // Accepted means running: each call has streamed its leaves' values before the signal.
        var shortCalls = new List<(AsyncServerStreamingCall<EvaluateEvent> Call, Task<EvaluateEvent> Last)>();
        for (var i = 0; i < 4; i++)
        {
            var call = client.Evaluate(Leaves(Graphs.SlowChain(30, n: 120)));
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            shortCalls.Add((call, LastEvent(call)));
        }
        using var endless = client.Evaluate(Leaves(Graphs.SlowChain(100_000, n: 120)));
        Assert.True(await endless.ResponseStream.MoveNext(CancellationToken.None));
        var endlessEnd = LastEvent(endless);

        var clock = Stopwatch.StartNew();
        server.Terminate();
        // The signal is handled asynchronously; a call that lands before the host starts stopping is served.
        await WaitFor.Condition(() => server.Tail.Contains("Application is shutting down", StringComparison.Ordinal));

        // New calls, on a connection opened after the signal, are refused while the others drain.
        using var late = GrpcChannel.ForAddress(server.Address);
        for (var i = 0; i < 3; i++)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => new GraphEvaluatorClient(late).EvaluateUnaryAsync(
                new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(4) }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5))));
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        }
        foreach (var (call, last) in shortCalls)
        {
            Assert.NotNull((await last).Summary);
            call.Dispose();
        }
        await Assert.ThrowsAnyAsync<Exception>(() => endlessEnd);
        Assert.True(await server.WaitForExitAsync(drain + TimeSpan.FromSeconds(10)), "the server did not exit");
        Assert.True(clock.Elapsed < drain + TimeSpan.FromSeconds(5), $"the server took {clock.Elapsed} to exit with a drain time of {drain}");
    }

    [Theory]
    [InlineData("declared")]
    [InlineData("matmul")]
    [InlineData("broadcast")]
    public async Task EvaluateUnary_HundredMillionElementTensor_ResourceExhaustedWithoutAllocatingIt(string how)
    {
        using var server = await ServerProcess.StartAsync([]);
        var client = GraphEvaluatorClient.ForAddress(server.Address);
        await client.EvaluateUnaryAsync(new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(4) });
        var before = server.Sample();

        // 10⁸ float64 values are 800 MB; the request itself is at most 160 KB.
        var graph = how switch
        {
            "declared" => new Graph { Nodes = { Leaf("x", [100_000_000], [1.0]) } },
            "matmul" => Pair("matmul", [10_000, 1], [1, 10_000]),
            _ => Pair("add", [10_000, 1], [1, 10_000]),
        };
        var error = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var peak = server.Sample().PeakRss;
        Assert.True(peak - before.PeakRss < 200 * MiB, $"peak RSS rose by {(peak - before.PeakRss) / MiB} MiB");
        client.Dispose();
    }

    [Fact]
    public async Task EvaluateUnary_HundredMebibyteMessage_ResourceExhaustedWithoutBufferingIt()
    {
        using var server = await ServerProcess.StartAsync([]);
        var client = GraphEvaluatorClient.ForAddress(server.Address);
        await client.EvaluateUnaryAsync(new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(4) });
        var before = server.Sample();
        var huge = new Tensor { Shape = { 100 * MiB / 8 }, Raw = ByteString.CopyFrom(new byte[100 * MiB]) };
        var request = new EvaluateRequest { Graph = new Graph { Nodes = { new Node { Id = "x", Input = new Input { Value = huge } } } } };

        var error = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateUnaryAsync(request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var peak = server.Sample().PeakRss;
        Assert.True(peak - before.PeakRss < 64 * MiB, $"peak RSS rose by {(peak - before.PeakRss) / MiB} MiB for a message of 100 MiB");
        var after = await client.EvaluateUnaryAsync(new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(4) });
        Assert.Single(after.Summary.Outputs);
        client.Dispose();
    }

    private static Graph NegChain(int length, int elements)
    {
        var graph = new Graph { Nodes = { Leaf("c0", [elements], new double[elements]) } };
        for (var i = 1; i < length; i++)
        {
            graph.Nodes.Add(new Node { Id = $"c{i}", Inputs = { $"c{i - 1}" }, Neg = new Neg() });
        }
        return graph;
    }

    private static Graph Pair(string op, long[] a, long[] b)
    {
        var node = new Node { Id = "y", Inputs = { "a", "b" } };
        if (op == "matmul")
        {
            node.Matmul = new MatMul();
        }
        else
        {
            node.Add = new Add();
        }
        return new Graph { Nodes = { Leaf("a", a, new double[a[0] * a[1]]), Leaf("b", b, new double[b[0] * b[1]]), node } };
    }

    private static Node Leaf(string id, long[] shape, double[] values) =>
        new() { Id = id, Input = new Input { Value = new Tensor { Shape = { shape }, Values = { values } } } };

    private static EvaluateRequest Leaves(Graph graph) => new()
    {
        Graph = graph,
        Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Leaves },
        Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.None },
    };

    private static async Task<EvaluateEvent> LastEvent(AsyncServerStreamingCall<EvaluateEvent> call)
    {
        var last = call.ResponseStream.Current;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            last = call.ResponseStream.Current;
        }
        return last;
    }

    /// <summary>The call's result once the server admits it; RESOURCE_EXHAUSTED until <paramref name="until"/> means the slot stayed taken.</summary>
    private static async Task<T> RetryWhileExhausted<T>(Func<Task<T>> call, DateTime until)
    {
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < until)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>User plus system CPU time of a process, from /proc/PID/stat (clock ticks of 1/100 s).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }
}
