using System.Diagnostics;

namespace GraphGrpc.Server.Telemetry;

/// <summary>
/// What every RPC records once: its span, the request counter and latency histogram by method and
/// status code, and one structured log line. The call interceptor starts it; a service method finds
/// it with <see cref="Of"/> to add the node count and the phase spans.
/// </summary>
internal sealed partial class RpcObservation : IDisposable
{
    private static readonly object Key = typeof(RpcObservation);

    private readonly GraphGrpcTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly string _method;
    private readonly ServerCallContext _context;
    private readonly long _started = Stopwatch.GetTimestamp();
    private StatusCode _code = StatusCode.OK;

    private RpcObservation(GraphGrpcTelemetry telemetry, ILogger logger, ServerCallContext context)
    {
        _telemetry = telemetry;
        _logger = logger;
        _context = context;
        _method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        // A child of ASP.NET Core's request span, which already continued the caller's traceparent.
        Span = GraphGrpcTelemetry.Source.StartActivity(context.Method.TrimStart('/'), ActivityKind.Internal);
    }

    public Activity? Span { get; }

    public int NodeCount { get; set; }

    public static RpcObservation Start(GraphGrpcTelemetry telemetry, ILogger logger, ServerCallContext context)
    {
        var observation = new RpcObservation(telemetry, logger, context);
        context.UserState[Key] = observation;
        return observation;
    }

    /// <summary>The observation of the call <paramref name="context"/> belongs to.</summary>
    public static RpcObservation Of(ServerCallContext context) => (RpcObservation)context.UserState[Key];

    /// <summary>Notes the status the call ends with.</summary>
    public void Fail(StatusCode code) => _code = code;

    public void Dispose()
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        var tags = new TagList { { "rpc.method", _method }, { "rpc.grpc.status_code", (int)_code } };
        _telemetry.Requests.Add(1, tags);
        _telemetry.Duration.Record(elapsed.TotalMilliseconds, tags);
        if (NodeCount > 0)
        {
            _telemetry.GraphNodes.Record(NodeCount, new TagList { { "rpc.method", _method } });
        }
        if (Span is not null)
        {
            Span.SetTag("rpc.grpc.status_code", (int)_code);
            Span.SetTag("graphgrpc.nodes", NodeCount);
            // The AspNetCore instrumentation leaves a gRPC error's span status unset; set it here.
            Span.SetStatus(_code == StatusCode.OK ? ActivityStatusCode.Ok : ActivityStatusCode.Error, _code == StatusCode.OK ? null : _code.ToString());
            Span.Dispose();
        }
        LogCall(_logger, _method, _code, NodeCount, elapsed.TotalMilliseconds, _context.Peer);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {StatusCode} nodes={Nodes} in {ElapsedMs:F2} ms from {Peer}")]
    private static partial void LogCall(ILogger logger, string method, StatusCode statusCode, int nodes, double elapsedMs, string peer);
}
