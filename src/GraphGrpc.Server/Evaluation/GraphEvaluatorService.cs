using System.Threading.Channels;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Validation;
using GraphGrpc.Server.Telemetry;
using Microsoft.Extensions.Options;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// graphgrpc.v1.GraphEvaluator: maps the wire contract onto the engine. Observation, limits on
/// concurrency and the mapping of errors to statuses happen once for every call, in <see cref="Calls.CallInterceptor"/>.
/// </summary>
[BindServiceMethod(typeof(Calls.InvalidMessageBinder), nameof(Calls.InvalidMessageBinder.BindService))]
internal sealed class GraphEvaluatorService(IOptions<EvaluatorOptions> options, PlanCache cache, GraphGrpcTelemetry telemetry)
    : Proto.GraphEvaluator.GraphEvaluatorBase
{
    // Enough events in flight to keep the socket busy; a slower client makes the evaluator wait, not the server buffer.
    private const int EventsInFlight = 256;

    private readonly GraphLimits _limits = new()
    {
        MaxNodes = options.Value.MaxNodes,
        MaxTensorElements = options.Value.MaxTensorElements,
    };

    public override Task<Proto.ValidateResponse> Validate(Proto.ValidateRequest request, ServerCallContext context)
    {
        var rpc = RpcObservation.Of(context);
        var compilation = GraphCompiler.Compile(request.Graph ?? new Proto.Graph(), _limits);
        var problems = compilation.Problems
            .Concat(compilation.CheckRequest(new Engine.Evaluation.EvaluationRequest { Outputs = [.. request.Outputs], Wrt = [.. request.Wrt] }))
            .ToList();
        var response = new Proto.ValidateResponse { Valid = problems.Count == 0 };
        response.Problems.Add(problems.Select(ProtoConversions.ToProto));
        if (response.Valid)
        {
            response.Order.Add(compilation.Plan!.Ids);
            rpc.NodeCount = compilation.Plan.Count;
        }
        return Task.FromResult(response);
    }

    public override async Task Evaluate(Proto.EvaluateRequest request, IServerStreamWriter<Proto.EvaluateEvent> responseStream, ServerCallContext context)
    {
        var rpc = RpcObservation.Of(context);
        var call = EvaluationCall.Prepare(request, _limits, cache, rpc.Span);
        rpc.NodeCount = call.Plan.Count;

        // The evaluator runs on its own thread and hands events over a bounded channel, so values
        // stream while it works. Leaving this method by any path stops it before the call ends.
        var events = Channel.CreateBounded<Proto.EvaluateEvent>(new BoundedChannelOptions(EventsInFlight) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var work = Task.Run(() =>
        {
            try
            {
                return call.Run(new EventObserver(call, e => WriteBlocking(events.Writer, e, stop.Token)), stop.Token);
            }
            finally
            {
                events.Writer.Complete();
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(e, context.CancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await work.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        var result = await work;
        if (call.Trace)
        {
            foreach (var trace in call.TraceEvents(result))
            {
                await responseStream.WriteAsync(new Proto.EvaluateEvent { Trace = trace }, context.CancellationToken);
            }
        }
        await responseStream.WriteAsync(new Proto.EvaluateEvent { Summary = call.Summary(result) }, context.CancellationToken);
        telemetry.PointsEvaluated.Add(1);
    }

    public override Task<Proto.EvaluateUnaryResponse> EvaluateUnary(Proto.EvaluateRequest request, ServerCallContext context)
    {
        var rpc = RpcObservation.Of(context);
        var call = EvaluationCall.Prepare(request, _limits, cache, rpc.Span);
        rpc.NodeCount = call.Plan.Count;
        var response = new Proto.EvaluateUnaryResponse();
        var result = call.Run(new EventObserver(call, e =>
        {
            switch (e.EventCase)
            {
                case Proto.EvaluateEvent.EventOneofCase.Value:
                    response.Values.Add(e.Value);
                    break;
                case Proto.EvaluateEvent.EventOneofCase.Tangent:
                    response.Tangents.Add(e.Tangent);
                    break;
                default:
                    response.Gradients.Add(e.Gradient);
                    break;
            }
        }), context.CancellationToken);
        if (call.Trace)
        {
            response.Trace.Add(call.TraceEvents(result));
        }
        response.Summary = call.Summary(result);
        telemetry.PointsEvaluated.Add(1);
        return Task.FromResult(response);
    }

    public override async Task EvaluateBatch(
        IAsyncStreamReader<Proto.EvaluateBatchRequest> requestStream, IServerStreamWriter<Proto.EvaluateBatchResponse> responseStream, ServerCallContext context)
    {
        var rpc = RpcObservation.Of(context);
        var token = context.CancellationToken;
        if (!await requestStream.MoveNext(token) || requestStream.Current.Start is not { } start)
        {
            throw InvalidRequest.Exception([new GraphProblem("", ProblemKind.MissingValue, "the first message of a batch must be its start")]);
        }
        var (batch, ready) = BatchCall.Start(start, _limits, cache);
        rpc.NodeCount = batch.Plan.Plan.Count;
        await responseStream.WriteAsync(new Proto.EvaluateBatchResponse { Ready = ready }, token);

        // Pipelined two deep: chunk N is read and evaluated while chunk N − 1's result is being
        // written, and no further. A slow reader still holds the stream back through HTTP/2 flow
        // control instead of growing buffers here, and the result's columns are free again once written.
        var writing = Task.CompletedTask;
        try
        {
            while (await requestStream.MoveNext(token))
            {
                if (requestStream.Current.Chunk is not { } chunk)
                {
                    throw InvalidRequest.Exception([new GraphProblem("", ProblemKind.InvalidValue, "a batch has one start; every later message must be a chunk")]);
                }
                var (result, points) = batch.Evaluate(chunk, token);
                telemetry.PointsEvaluated.Add(points);
                await writing;
                writing = responseStream.WriteAsync(new Proto.EvaluateBatchResponse { Result = result }, token);
            }
        }
        finally
        {
            // A write in flight reads columns the call owns: it ends before the call does, by any path.
            await writing.ContinueWith(static _ => { }, TaskScheduler.Default);
        }
        await writing;
        await responseStream.WriteAsync(new Proto.EvaluateBatchResponse { Summary = batch.Summary() }, token);
    }

    public override Task<Proto.ExplainResponse> Explain(Proto.ExplainRequest request, ServerCallContext context)
    {
        var (response, nodes) = ExplainCall.Run(request, _limits, cache, context.CancellationToken);
        RpcObservation.Of(context).NodeCount = nodes;
        return Task.FromResult(response);
    }

    public override Task<Proto.DifferentiateResponse> Differentiate(Proto.DifferentiateRequest request, ServerCallContext context)
    {
        var (response, nodes) = DifferentiateCall.Run(request, _limits, cache);
        RpcObservation.Of(context).NodeCount = nodes;
        return Task.FromResult(response);
    }

    /// <summary>Waits for room in the channel: back-pressure from a slow client reaches the evaluator here.</summary>
    private static void WriteBlocking(ChannelWriter<Proto.EvaluateEvent> writer, Proto.EvaluateEvent e, CancellationToken cancellationToken)
    {
        while (!writer.TryWrite(e))
        {
            if (!writer.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
            {
                throw new ChannelClosedException();
            }
        }
    }
}
