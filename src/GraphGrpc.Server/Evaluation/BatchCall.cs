using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// One EvaluateBatch stream: the plan from its start message, then chunk after chunk through the
/// batch evaluator, with the sums of shared gradients carried across chunks in stream order. In
/// forward mode each chunk also carries a tangent column per tangent input, and shared leaves keep
/// the one tangent the start gave them.
/// </summary>
internal sealed class BatchCall
{
    private readonly BatchPlan _plan;
    private readonly bool _raw;
    private readonly long _maxElements;
    private readonly IReadOnlyList<string> _tangentInputs;
    private readonly double[][] _sharedTangents;
    private readonly double[]?[] _totals;
    private long _points;
    private long _chunks;
    private TimeSpan _evaluateTime;

    // Two sets of columns, used by turns: chunk N is evaluated into one while chunk N − 1's result,
    // wrapped without a copy, is still being written from the other.
    private readonly ChunkColumns?[] _columns = new ChunkColumns?[2];

    private BatchCall(BatchPlan plan, bool raw, long maxElements, IReadOnlyList<string> tangentInputs, double[][] sharedTangents)
    {
        _plan = plan;
        _raw = raw;
        _maxElements = maxElements;
        _tangentInputs = tangentInputs;
        _sharedTangents = sharedTangents;
        _totals = plan.Wrt.Select(slot => IsSummed(slot) ? new double[plan.PointSizes[slot]] : null).ToArray();
    }

    public BatchPlan Plan => _plan;

    public static (BatchCall Call, Proto.BatchReady Ready) Start(Proto.BatchStart start, GraphLimits limits, PlanCache cache)
    {
        Compilation compilation;
        string hash;
        var hit = false;
        switch (start.PlanCase)
        {
            case Proto.BatchStart.PlanOneofCase.Graph:
                hash = PlanCache.Hash(start.Graph);
                (compilation, hit) = cache.GetOrCompile(hash, start.Graph, limits);
                break;
            case Proto.BatchStart.PlanOneofCase.PlanHash when cache.TryGet(start.PlanHash, out var cached):
                (compilation, hash, hit) = (cached, start.PlanHash, true);
                break;
            case Proto.BatchStart.PlanOneofCase.PlanHash:
                throw new RpcException(new Status(StatusCode.NotFound,
                    $"the server holds no plan with hash {start.PlanHash} (it may have been evicted); send the graph instead"));
            default:
                throw InvalidRequest.Exception([new GraphProblem("", ProblemKind.MissingValue, "the batch start has neither a graph nor a plan hash")]);
        }

        var problems = new List<GraphProblem>();
        var sharedTangents = EvaluationCall.DecodeTensors(start.SharedTangents, "shared tangent", ProblemKind.InvalidValue, limits, problems);
        var request = new EvaluationRequest
        {
            Outputs = start.Outputs.Count > 0 ? [.. start.Outputs] : compilation.DefaultOutputs,
            Wrt = [.. start.Wrt],
            Tangents = sharedTangents,
        };
        problems.AddRange(compilation.Problems);
        problems.AddRange(compilation.CheckRequest(request));
        problems.AddRange(CheckTangents(start));
        if (start.ForwardOnly && start.Wrt.Count > 0)
        {
            problems.Add(new GraphProblem(start.Wrt[0], ProblemKind.InvalidValue,
                $"is a wrt node but the batch is forward_only, which computes no gradients; name no wrt nodes ({start.Wrt.Count} named)"));
        }
        foreach (var id in start.BatchInputs)
        {
            if (!compilation.HasNode(id))
            {
                problems.Add(new GraphProblem(id, ProblemKind.UnknownNode, "is a batch input but not a node of the graph"));
            }
            else if (compilation.Plan is { } plan && plan.Ops[plan.SlotOf(id)] is not LeafOp { IsVariable: true })
            {
                problems.Add(new GraphProblem(id, ProblemKind.InvalidValue, "is a batch input but not an input leaf"));
            }
        }
        if (request.Outputs.Count == 0 && compilation.IsValid)
        {
            problems.Add(new GraphProblem("", ProblemKind.UnknownOutput,
                $"the graph has several sinks ({string.Join(", ", compilation.Sinks)}); name the outputs"));
        }
        if (problems.Count > 0)
        {
            throw InvalidRequest.Exception(problems);
        }

        // The engine takes every tangent in one list: the per-point columns first, then the shared leaves'.
        string[] sharedIds = [.. sharedTangents.Keys];
        var batchPlan = BatchPlan.Create(compilation.Plan!, new BatchRequest
        {
            BatchInputs = [.. start.BatchInputs],
            Outputs = request.Outputs,
            Wrt = request.Wrt,
            ForwardOnly = start.ForwardOnly,
            Tangents = [.. start.TangentInputs, .. sharedIds],
            SharedGradients = start.SharedGradients == Proto.SharedGradients.PerPoint ? SharedGradients.PerPoint : SharedGradients.Sum,
        });
        var call = new BatchCall(batchPlan, start.RawTensors, limits.MaxTensorElements, [.. start.TangentInputs],
            [.. sharedIds.Select(id => sharedTangents[id].Data.ToArray())]);
        return (call, new Proto.BatchReady { PlanHash = hash, PlanCacheHit = hit });
    }

    /// <summary>
    /// A tangent column goes with a batch input, and a batch input's tangent only in a column; the
    /// engine checks the rest (shared tangents on input leaves, of their shape).
    /// </summary>
    private static IEnumerable<GraphProblem> CheckTangents(Proto.BatchStart start)
    {
        var batchInputs = start.BatchInputs.ToHashSet(StringComparer.Ordinal);
        foreach (var id in start.TangentInputs.Where(id => !batchInputs.Contains(id)))
        {
            yield return new GraphProblem(id, ProblemKind.InvalidValue,
                "is a tangent input but not a batch input; a leaf shared by every point takes its tangent in shared_tangents");
        }
        foreach (var id in start.TangentInputs.GroupBy(id => id, StringComparer.Ordinal).Where(ids => ids.Count() > 1).Select(ids => ids.Key))
        {
            yield return new GraphProblem(id, ProblemKind.InvalidValue, "is named more than once in tangent_inputs");
        }
        foreach (var id in start.SharedTangents.Keys.Where(batchInputs.Contains))
        {
            yield return new GraphProblem(id, ProblemKind.InvalidValue,
                "is a batch input, so its tangent varies per point: name it in tangent_inputs and send a tangent column in each chunk");
        }
    }

    /// <summary>
    /// One chunk's results, and how many points it had. The result may share its columns with this
    /// call: it must have been written before the call evaluates the chunk after next.
    /// </summary>
    public (Proto.BatchResult Result, int Points) Evaluate(Proto.BatchChunk chunk, CancellationToken cancellationToken)
    {
        var points = BatchColumns.CountPoints(chunk, _plan, _tangentInputs, _maxElements);
        var turn = (int)(_chunks % _columns.Length);
        if (_columns[turn] is not { } buffers || buffers.Result.PointCount != points)
        {
            buffers = _columns[turn] = new ChunkColumns(_plan, _tangentInputs, _sharedTangents, points);
        }
        BatchColumns.Decode(chunk, _plan, buffers.Inputs);
        BatchColumns.DecodeTangents(chunk, _tangentInputs, buffers.Tangents);
        var started = Stopwatch.GetTimestamp();
        BatchResult result;
        try
        {
            result = BatchEvaluator.EvaluateInto(_plan, buffers.Inputs, buffers.Result, cancellationToken, Hosting.BatchWorkers.Max, buffers.Tangents);
        }
        catch (EvaluationException e)
        {
            throw InvalidRequest.Exception([new GraphProblem(e.NodeId, ProblemKind.InvalidOperand, $"chunk {chunk.Sequence}: {e.Message}")]);
        }
        _evaluateTime += Stopwatch.GetElapsedTime(started);
        _points += points;
        _chunks++;

        var response = new Proto.BatchResult { Sequence = chunk.Sequence };
        for (var o = 0; o < _plan.Outputs.Length; o++)
        {
            response.Outputs[_plan.Request.Outputs[o]] = Column(_plan.Outputs[o], points, result.Outputs[o], perPoint: true);
        }
        for (var o = 0; o < result.Tangents.Length; o++)
        {
            response.OutputTangents[_plan.Request.Outputs[o]] = Column(_plan.Outputs[o], points, result.Tangents[o], perPoint: true);
        }
        for (var w = 0; w < _plan.Wrt.Length; w++)
        {
            var slot = _plan.Wrt[w];
            response.Gradients[_plan.Plan.Ids[slot]] = Column(slot, points, result.Gradients[w], perPoint: _totals[w] is null);
            if (_totals[w] is { } total)
            {
                for (var i = 0; i < total.Length; i++)
                {
                    total[i] += result.Gradients[w][i];
                }
            }
        }
        return (response, points);
    }

    public Proto.BatchSummary Summary()
    {
        var summary = new Proto.BatchSummary { Points = _points, Chunks = _chunks, EvaluateTime = Duration.FromTimeSpan(_evaluateTime) };
        for (var w = 0; w < _plan.Wrt.Length; w++)
        {
            if (_totals[w] is { } total)
            {
                summary.SummedGradients[_plan.Plan.Ids[_plan.Wrt[w]]] = Column(_plan.Wrt[w], 1, total, perPoint: false);
            }
        }
        return summary;
    }

    private bool IsSummed(int slot) => !_plan.Varies[slot] && _plan.Request.SharedGradients == SharedGradients.Sum;

    /// <summary>A result column as a tensor: [K, ...shape] per point, or the node's own shape for a sum. Raw columns wrap <paramref name="data"/>.</summary>
    private Proto.Tensor Column(int slot, int points, double[] data, bool perPoint)
    {
        int[] shape = perPoint ? [points, .. _plan.Plan.Shapes[slot]] : _plan.Plan.Shapes[slot];
        if (!_raw)
        {
            return ProtoConversions.ToProto(new Tensor(shape, data), raw: false);
        }
        var tensor = new Proto.Tensor { Raw = DoubleBytes.Wrap(data) };
        foreach (var dim in shape)
        {
            tensor.Shape.Add(dim);
        }
        return tensor;
    }

    /// <summary>The input, tangent and result columns of one chunk size, kept for the chunks after.</summary>
    private sealed class ChunkColumns(BatchPlan plan, IReadOnlyList<string> tangentInputs, double[][] sharedTangents, int points)
    {
        public double[][] Inputs { get; } = plan.BatchInputs.Select(slot => GC.AllocateUninitializedArray<double>(points * plan.PointSizes[slot])).ToArray();

        /// <summary>A column per tangent input, then each shared leaf's one tangent: the engine's order.</summary>
        public double[][] Tangents { get; } =
            [.. tangentInputs.Select(id => GC.AllocateUninitializedArray<double>(points * plan.PointSizes[plan.Plan.SlotOf(id)])), .. sharedTangents];

        public BatchResult Result { get; } = BatchResult.Allocate(plan, points);
    }
}
