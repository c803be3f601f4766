using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Google.Rpc;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Server.Evaluation;
using GraphGrpc.Server.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Status = Grpc.Core.Status;

namespace GraphGrpc.Server.Tests.Reliability;

/// <summary>A server that runs two evaluations at once and asks refused clients to come back after about 20 ms.</summary>
public sealed class OverloadServerFixture() : ServerFixture(["--GraphGrpc:MaxConcurrentEvaluations=2", "--GraphGrpc:RetryDelayWhenBusy=00:00:00.020"]);

/// <summary>
/// Overload: a call past the concurrency limit is refused at once and told when to retry, and the
/// clients' retry policies (grpc-dotnet's, gRPC core's under Python) turn refusals into later
/// successes, with every answer accounted for exactly once.
/// </summary>
public sealed class OverloadTests(OverloadServerFixture server) : IClassFixture<OverloadServerFixture>
{
    private const int MatrixSize = 60;
    private const int ChainLength = 40;

    [Fact]
    public async Task EvaluateUnary_PastTheLimit_RefusedAtOnceWithRetryInfoAndPushback()
    {
        using var noRetries = GraphEvaluatorClient.ForAddress(server.Address, new GraphEvaluatorClientOptions { MaxAttempts = 1 });
        using var holdA = server.Client.Evaluate(Graphs.Quiet(Graphs.SlowChain(20_000)));
        using var holdB = server.Client.Evaluate(Graphs.Quiet(Graphs.SlowChain(20_000)));
        await WaitFor.Condition(() => server.Gate.Active == 2);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() => noRetries.EvaluateUnaryAsync(Request(1)));
        clock.Stop();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the refusal took {clock.Elapsed}");
        var retryInfo = error.GetRpcStatus()?.GetDetail<RetryInfo>();
        Assert.NotNull(retryInfo);
        var delay = retryInfo.RetryDelay.ToTimeSpan();
        Assert.InRange(delay.TotalMilliseconds, 10, 30);
        var pushback = long.Parse(error.Trailers.GetValue(ConcurrencyGate.PushbackTrailer)!, CultureInfo.InvariantCulture);
        Assert.Equal((long)Math.Ceiling(delay.TotalMilliseconds), pushback);
    }

    [Fact]
    public async Task EvaluateUnary_LimitBrokenByTheRequest_SaysNotToRetry()
    {
        var graph = new Graph { Nodes = { new Node { Id = "x", Input = new Input { Value = new Tensor { Shape = { 100_000_000 }, Values = { 1.0 } } } } } };

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(new EvaluateRequest { Graph = graph }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("-1", error.Trailers.GetValue(ConcurrencyGate.PushbackTrailer));
    }

    [Fact]
    public async Task ManyClients_PastTheLimit_EveryCallSucceedsOrIsRefusedCleanlyAndNothingIsLostOrDuplicated()
    {
        var reference = (await server.Client.EvaluateUnaryAsync(Request(1))).Values.Single(v => v.NodeId == "o").Value.Values.Single();
        var telemetry = server.App.Services.GetRequiredService<GraphGrpcTelemetry>();
        var served = new ConcurrentDictionary<int, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument, telemetry.Requests))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? method = null;
            var code = -1;
            foreach (var tag in tags)
            {
                if (tag.Key == "rpc.method")
                {
                    method = (string?)tag.Value;
                }
                else if (tag.Key == "rpc.grpc.status_code")
                {
                    code = (int)tag.Value!;
                }
            }
            if (method?.EndsWith("EvaluateUnary", StringComparison.Ordinal) == true)
            {
                served.AddOrUpdate(code, value, (_, sum) => sum + value);
            }
        });
        listener.Start();

        // Four .NET clients of 12 calls in flight each and two Python processes of 8 each, against 2 slots:
        // some calls run out of attempts, the rest succeed after refusals.
        var dotnet = Enumerable.Range(0, 4).Select(c => DotNetClientAsync(firstId: 100 + (c * 100), calls: 24, reference)).ToList();
        var python = Enumerable.Range(0, 2).Select(c => PythonClientAsync(firstId: 1000 + (c * 100), calls: 20, reference)).ToList();
        var outcomes = (await Task.WhenAll(dotnet)).Concat(await Task.WhenAll(python)).ToList();
        listener.Dispose();

        var ok = outcomes.Sum(o => o.Ok);
        var refused = outcomes.Sum(o => o.Refused);
        var problems = outcomes.SelectMany(o => o.Problems).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));
        Assert.Equal((4 * 24) + (2 * 20), ok + refused);
        // Each success was evaluated once on the server, and each refusal the server made was answered.
        Assert.Equal(ok, served.GetValueOrDefault((int)StatusCode.OK));
        var refusals = served.GetValueOrDefault((int)StatusCode.ResourceExhausted);
        Assert.True(refusals > refused, $"the server refused {refusals} calls and {refused} stayed refused: no retry succeeded");
        Assert.True(ok >= 2, $"only {ok} calls succeeded");
    }

    private async Task<Outcome> DotNetClientAsync(int firstId, int calls, double reference)
    {
        using var client = GraphEvaluatorClient.ForAddress(server.Address);
        using var inFlight = new SemaphoreSlim(12);
        var results = await Task.WhenAll(Enumerable.Range(firstId, calls).Select(async k =>
        {
            await inFlight.WaitAsync();
            try
            {
                var response = await client.EvaluateUnaryAsync(Request(k), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)));
                var value = response.Values.Single(v => v.NodeId == "o").Value.Values.Single();
                return value == reference * k ? "ok" : $"call {k}: {value:R} instead of {reference * k:R}";
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && e.Trailers.GetValue(ConcurrencyGate.PushbackTrailer) is not null)
            {
                return "refused";
            }
            catch (RpcException e)
            {
                return $"call {k}: {e.Status}";
            }
            finally
            {
                inFlight.Release();
            }
        }));
        return new Outcome(results.Count(r => r == "ok"), results.Count(r => r == "refused"), results.Where(r => r is not "ok" and not "refused").ToList());
    }

    private async Task<Outcome> PythonClientAsync(int firstId, int calls, double reference)
    {
        var port = new Uri(server.Address).Port.ToString(CultureInfo.InvariantCulture);
        var (exitCode, output, error) = await Programs.RunAsync("/usr/bin/python3",
        [
            Path.Combine(Programs.RepositoryRoot, "tests/reliability/overload_client.py"), "--port", port,
            "--first-id", firstId.ToString(CultureInfo.InvariantCulture), "--calls", calls.ToString(CultureInfo.InvariantCulture),
            "--concurrency", "8", "--reference", HexFloat(reference),
            "--n", MatrixSize.ToString(CultureInfo.InvariantCulture), "--length", ChainLength.ToString(CultureInfo.InvariantCulture),
        ], timeout: TimeSpan.FromMinutes(3));
        if (exitCode != 0)
        {
            return new Outcome(0, 0, [$"the Python client failed ({exitCode}): {output} {error}"]);
        }
        using var report = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var root = report.RootElement;
        var problems = root.GetProperty("wrong").EnumerateArray().Concat(root.GetProperty("other").EnumerateArray()).Select(e => e.ToString()).ToList();
        return new Outcome(root.GetProperty("ok").GetArrayLength(), root.GetProperty("refused").GetArrayLength(), problems);
    }

    /// <summary>Call k: o = sum(m^40) · k, a few milliseconds of matrix products, its answer reference · k exactly.</summary>
    private static EvaluateRequest Request(int k)
    {
        var graph = Graphs.SlowChain(ChainLength, MatrixSize);
        graph.Nodes.Add(new Node { Id = "k", Input = new Input { Value = new Tensor { Values = { k } } } });
        graph.Nodes.Add(new Node { Id = "o", Inputs = { "loss", "k" }, Mul = new Mul() });
        return new EvaluateRequest
        {
            Graph = graph,
            Outputs = { "o" },
            Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Listed, NodeIds = { "o" } },
            Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.None },
        };
    }

    /// <summary>The exact value as Python's float.fromhex reads it.</summary>
    private static string HexFloat(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        return $"{(bits < 0 ? "-" : "")}0x1.{mantissa:x13}p{exponent:+0;-0}";
    }

    private sealed record Outcome(int Ok, int Refused, List<string> Problems);
}
