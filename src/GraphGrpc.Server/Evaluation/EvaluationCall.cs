using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using GraphGrpc.Server.Telemetry;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// One evaluation, from wire request to wire results: decode, validate and compile (throwing an
/// RpcException with every problem), then run, then the trace and summary messages. Evaluate and
/// EvaluateUnary share it, so both answer exactly alike.
/// </summary>
internal sealed class EvaluationCall
{
    private readonly Activity? _rpc;
    private readonly Proto.PhaseTimings _timings = new();

    private EvaluationCall(Activity? rpc, Plan plan, EvaluationRequest request, bool[] sendValues, bool[] sendGradients, bool raw, bool trace)
    {
        _rpc = rpc;
        Plan = plan;
        Request = request;
        SendValues = sendValues;
        SendGradients = sendGradients;
        RawTensors = raw;
        Trace = trace;
    }

    public Plan Plan { get; }

    public EvaluationRequest Request { get; }

    public bool[] SendValues { get; }

    public bool[] SendGradients { get; }

    public bool RawTensors { get; }

    public bool Trace { get; }

    public string PlanHash { get; private init; } = "";

    public bool PlanCacheHit { get; private init; }

    public static EvaluationCall Prepare(Proto.EvaluateRequest wire, GraphLimits limits, PlanCache cache, Activity? rpc)
    {
        var clock = new PhaseClock(rpc);
        var problems = new List<GraphProblem>();
        var seeds = DecodeTensors(wire.Seeds, "seed", ProblemKind.InvalidSeed, limits, problems);
        var tangents = DecodeTensors(wire.Tangents, "tangent", ProblemKind.InvalidValue, limits, problems);
        if (wire.Graph is null)
        {
            throw InvalidRequest.Exception([new GraphProblem("", ProblemKind.MissingValue, "the request has no graph")]);
        }
        var hash = PlanCache.Hash(wire.Graph);
        var decode = clock.Lap("decode");

        var (compilation, hit) = cache.GetOrCompile(hash, wire.Graph, limits);
        var request = new EvaluationRequest
        {
            Outputs = wire.Outputs.Count > 0 ? [.. wire.Outputs] : compilation.DefaultOutputs,
            Wrt = [.. wire.Wrt],
            Seeds = seeds,
            Tangents = tangents,
            RecordNodeTimes = wire.Trace,
        };
        problems.AddRange(compilation.Problems);
        problems.AddRange(compilation.CheckRequest(request));
        problems.AddRange(CheckSelection(wire.Values, compilation, "values"));
        problems.AddRange(CheckSelection(wire.Gradients, compilation, "gradients"));
        if (problems.Count > 0)
        {
            throw InvalidRequest.Exception(problems);
        }
        var validate = clock.Lap("validate");

        var plan = compilation.Plan!;
        var call = new EvaluationCall(rpc, plan, request, Select(wire.Values, plan), Select(wire.Gradients, plan), wire.RawTensors, wire.Trace)
        {
            PlanHash = hash,
            PlanCacheHit = hit,
        };
        call._timings.Decode = decode;
        call._timings.Validate = validate;
        call._timings.Compile = clock.Lap("compile");
        return call;
    }

    /// <summary>Runs forward and backward, telling <paramref name="observer"/> each result as it is final.</summary>
    public EvaluationResult Run(IEvaluationObserver observer, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        EvaluationResult result;
        try
        {
            result = Evaluator.Evaluate(Plan, Request, observer, cancellationToken);
        }
        catch (EvaluationException e)
        {
            throw InvalidRequest.Exception([new GraphProblem(e.NodeId, ProblemKind.InvalidOperand, e.Message)]);
        }
        _timings.Forward = Duration.FromTimeSpan(result.ForwardTime);
        _timings.Backward = Duration.FromTimeSpan(result.BackwardTime);
        GraphGrpcTelemetry.RecordPhase(_rpc, "forward", started, result.ForwardTime);
        GraphGrpcTelemetry.RecordPhase(_rpc, "backward", started + result.ForwardTime, result.BackwardTime);
        return result;
    }

    /// <summary>A trace event per node, in topological order: its op, shapes, timings and cache.</summary>
    public IEnumerable<Proto.TraceEvent> TraceEvents(EvaluationResult result)
    {
        for (var slot = 0; slot < Plan.Count; slot++)
        {
            var op = Plan.Ops[slot];
            var trace = new Proto.TraceEvent
            {
                NodeId = Plan.Ids[slot],
                Op = op.Name,
                OutputShape = ProtoConversions.ToShape(Plan.Shapes[slot]),
                ForwardTime = Duration.FromTimeSpan(result.ForwardTimes![slot]),
                BackwardTime = Duration.FromTimeSpan(result.BackwardTimes![slot]),
                CachedInputs = op.Cached.HasFlag(Engine.Ops.CachedForBackward.Inputs),
                CachedOutput = op.Cached.HasFlag(Engine.Ops.CachedForBackward.Output),
            };
            trace.InputShapes.Add(Plan.Inputs[slot].Select(input => ProtoConversions.ToShape(Plan.Shapes[input])));
            yield return trace;
        }
    }

    public Proto.EvaluationSummary Summary(EvaluationResult result)
    {
        var summary = new Proto.EvaluationSummary { NodeCount = Plan.Count, Timings = _timings, PlanHash = PlanHash, PlanCacheHit = PlanCacheHit };
        var outputs = Request.Outputs.Count > 0 ? Request.Outputs.Select(Plan.SlotOf) : Plan.Sinks;
        foreach (var slot in outputs.Distinct())
        {
            summary.Outputs.Add(new Proto.NodeValue { NodeId = Plan.Ids[slot], Value = ProtoConversions.ToProto(result.Values[slot], RawTensors) });
        }
        if (Request.Outputs.Count == 0 && Plan.Sinks.Length > 1)
        {
            summary.NoGradientsReason = $"the graph has several sinks ({string.Join(", ", Plan.Sinks.Select(slot => Plan.Ids[slot]))}) " +
                "and the request names no outputs, so only the forward pass ran; name one or more outputs to differentiate";
        }
        if (result.FirstNonFinite is { } nonFinite)
        {
            summary.FirstNonFinite = new Proto.NonFiniteNode { NodeId = nonFinite.NodeId, InGradient = nonFinite.Phase == EvaluationPhase.Backward };
        }
        return summary;
    }

    /// <summary>The request's seeds or tangents by node id; one that does not decode is a problem naming its node.</summary>
    internal static Dictionary<string, Tensor> DecodeTensors(
        IDictionary<string, Proto.Tensor> wire, string what, ProblemKind kind, GraphLimits limits, List<GraphProblem> problems)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (id, tensor) in wire)
        {
            try
            {
                tensors[id] = TensorProtos.FromProto(tensor, limits.MaxTensorElements);
            }
            catch (InvalidTensorException e)
            {
                problems.Add(new GraphProblem(id, kind, $"{what} is invalid: {e.Message}"));
            }
        }
        return tensors;
    }

    private static IEnumerable<GraphProblem> CheckSelection(Proto.NodeSelection? selection, Compilation compilation, string what)
    {
        if (selection?.Mode != Proto.NodeSelection.Types.Mode.Listed)
        {
            yield break;
        }
        foreach (var id in selection.NodeIds.Where(id => !compilation.HasNode(id)))
        {
            yield return new GraphProblem(id, ProblemKind.UnknownNode, $"is listed for its {what} but is not a node of the graph");
        }
    }

    private static bool[] Select(Proto.NodeSelection? selection, Plan plan)
    {
        var chosen = new bool[plan.Count];
        var mode = selection?.Mode ?? Proto.NodeSelection.Types.Mode.Unspecified;
        var listed = mode == Proto.NodeSelection.Types.Mode.Listed ? selection!.NodeIds.ToHashSet(StringComparer.Ordinal) : null;
        for (var slot = 0; slot < plan.Count; slot++)
        {
            chosen[slot] = mode switch
            {
                Proto.NodeSelection.Types.Mode.Leaves => plan.Ops[slot] is LeafOp,
                Proto.NodeSelection.Types.Mode.Listed => listed!.Contains(plan.Ids[slot]),
                Proto.NodeSelection.Types.Mode.None => false,
                _ => true,
            };
        }
        return chosen;
    }

    /// <summary>Times consecutive phases and records each as a child span of the RPC.</summary>
    private sealed class PhaseClock(Activity? rpc)
    {
        private DateTime _lapStarted = DateTime.UtcNow;
        private long _lapTimestamp = Stopwatch.GetTimestamp();

        public Duration Lap(string phase)
        {
            var elapsed = Stopwatch.GetElapsedTime(_lapTimestamp);
            GraphGrpcTelemetry.RecordPhase(rpc, phase, _lapStarted, elapsed);
            _lapStarted += elapsed;
            _lapTimestamp = Stopwatch.GetTimestamp();
            return Duration.FromTimeSpan(elapsed);
        }
    }
}
