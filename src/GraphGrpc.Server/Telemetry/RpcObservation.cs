using System.Diagnostics;
using GraphGrpc.Transport;

namespace GraphGrpc.Server.Telemetry;

/// <summary>
/// What every RPC records once: its span, the request counter and latency histogram by method and
/// status code, and one structured log line.
/// </summary>
internal sealed partial class RpcObservation : IDisposable
{
    private readonly GraphGrpcTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly string _method;
    private readonly ServerCallContext _context;
    private readonly long _started = Stopwatch.GetTimestamp();
    private StatusCode _code = StatusCode.OK;

    public RpcObservation(GraphGrpcTelemetry telemetry, ILogger logger, string method, ServerCallContext context)
    {
        _telemetry = telemetry;
        _logger = logger;
        _method = method;
        _context = context;
        Span = GraphGrpcTelemetry.StartRpc(context.Method,
            context.RequestHeaders.GetValue("traceparent"), context.RequestHeaders.GetValue("tracestate"));
    }

    public Activity? Span { get; }

    public int NodeCount { get; set; }

    /// <summary>Notes the status the exception will end the call with.</summary>
    public void Fail(Exception exception) => _code = exception switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException when _context.Deadline <= DateTime.UtcNow => StatusCode.DeadlineExceeded,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };

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
        Span?.SetTag("rpc.grpc.status_code", (int)_code);
        Span?.SetTag("graphgrpc.nodes", NodeCount);
        Span?.SetStatus(_code == StatusCode.OK ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
        Span?.Dispose();
        LogCall(_logger, _method, _code, NodeCount, elapsed.TotalMilliseconds, _context.Peer);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {StatusCode} nodes={Nodes} in {ElapsedMs:F2} ms from {Peer}")]
    private static partial void LogCall(ILogger logger, string method, StatusCode statusCode, int nodes, double elapsedMs, string peer);
}
