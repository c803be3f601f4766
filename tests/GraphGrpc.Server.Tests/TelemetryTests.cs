using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using GraphGrpc.Server.Telemetry;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Server.Tests;

/// <summary>Spans continue the client's trace from traceparent, with a child span per phase; metrics count calls by status.</summary>
public sealed class TelemetryTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task EvaluateUnary_WithTraceparent_RecordsASpanTreeUnderTheCallersSpan()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is GraphGrpcTelemetry.Name or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var headers = new Metadata { { "traceparent", $"00-{traceId}-{callerSpan}-01" } };

        await server.Client.EvaluateUnaryAsync(
            new Contracts.V1.EvaluateRequest { Graph = Graphs.Example("seed002-log-expression.json") }, new CallOptions(headers: headers));

        // ASP.NET Core's request span continues the caller's trace; GraphGrpc's span of the call is its child.
        await WaitFor.Condition(() => spans.Any(s => s.Source.Name == GraphGrpcTelemetry.Name && s.OperationName.EndsWith("EvaluateUnary", StringComparison.Ordinal)));
        var request = spans.Single(s => s.Kind == ActivityKind.Server);
        Assert.Equal(callerSpan, request.ParentSpanId);
        var rpc = spans.Single(s => s.ParentSpanId == request.SpanId && s.Source.Name == GraphGrpcTelemetry.Name);
        Assert.Equal("graphgrpc.v1.GraphEvaluator/EvaluateUnary", rpc.OperationName);
        Assert.Equal(0, rpc.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Ok, rpc.Status);
        var phases = spans.Where(s => s.ParentSpanId == rpc.SpanId).OrderBy(s => s.StartTimeUtc).Select(s => s.OperationName);
        Assert.Equal(["decode", "validate", "compile", "forward", "backward"], phases);
    }

    [Fact]
    public async Task Calls_AreCountedByMethodAndStatusCode()
    {
        var counted = new ConcurrentBag<(string Method, int Code)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GraphGrpcTelemetry.Name && instrument.Name == "graphgrpc.requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var method = "";
            var code = -1;
            foreach (var tag in tags)
            {
                (method, code) = tag.Key switch
                {
                    "rpc.method" => ((string)tag.Value!, code),
                    "rpc.grpc.status_code" => (method, (int)tag.Value!),
                    _ => (method, code),
                };
            }
            counted.Add((method, code));
        });
        listener.Start();

        await server.Client.ValidateAsync(new Contracts.V1.ValidateRequest { Graph = Graphs.Example("seed003-squared-error.json") });
        await Assert.ThrowsAsync<RpcException>(() => server.Client.EvaluateUnaryAsync(new Contracts.V1.EvaluateRequest
        {
            Graph = Graphs.Example("seed003-squared-error.json"),
            Outputs = { "missing" },
        }));

        await WaitFor.Condition(() => counted.Contains(("EvaluateUnary", (int)StatusCode.InvalidArgument)));
        Assert.Contains(("Validate", (int)StatusCode.OK), counted);
    }
}
