using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Tensors;
using EngineTensor = GraphGrpc.Engine.Tensors.Tensor;

namespace GraphGrpc.Fuzz;

/// <summary>
/// The engine run in this process on the same request: an OK answer from the server must carry
/// the very values and gradients the engine computes (bit for bit, NaN equal to NaN).
/// </summary>
public sealed class LocalOracle
{
    public void CheckValidate(ValidateRequest request, ValidateResponse response)
    {
        var compilation = GraphCompiler.Compile(request.Graph);
        var problems = compilation.Problems.Concat(compilation.CheckRequest(new EvaluationRequest { Outputs = [.. request.Outputs], Wrt = [.. request.Wrt] })).ToList();
        if (response.Valid != (problems.Count == 0))
        {
            throw Wrong($"Validate said valid={response.Valid} but the engine finds {problems.Count} problems");
        }
        if (response.Valid && !response.Order.SequenceEqual(compilation.Plan!.Ids))
        {
            throw Wrong("Validate's order differs from the engine's Kahn order");
        }
        if (!response.Valid && response.Problems.Count != problems.Count)
        {
            throw Wrong($"Validate reported {response.Problems.Count} problems, the engine {problems.Count}");
        }
    }

    public void CheckUnary(EvaluateRequest request, EvaluateUnaryResponse response)
    {
        var result = Evaluate(request);
        foreach (var value in response.Values)
        {
            Same($"value of '{value.NodeId}'", result.ValueOf(value.NodeId), value.Value);
        }
        foreach (var gradient in response.Gradients)
        {
            Same($"gradient of '{gradient.NodeId}'", result.GradientOf(gradient.NodeId), gradient.Gradient);
        }
        CheckSummary(result, response.Summary);
    }

    public void CheckStream(EvaluateRequest request, List<EvaluateEvent> events)
    {
        if (events.Count == 0 || events[^1].Summary is null)
        {
            throw Wrong("an OK Evaluate stream did not end with its summary");
        }
        var result = Evaluate(request);
        foreach (var e in events)
        {
            if (e.Value is { } value)
            {
                Same($"value of '{value.NodeId}'", result.ValueOf(value.NodeId), value.Value);
            }
            else if (e.Gradient is { } gradient)
            {
                Same($"gradient of '{gradient.NodeId}'", result.GradientOf(gradient.NodeId), gradient.Gradient);
            }
        }
        CheckSummary(result, events[^1].Summary);
    }

    /// <summary>Each chunk's first point must equal the graph evaluated alone with that point's values on its batch inputs.</summary>
    public void CheckBatch(BatchStart start, List<BatchChunk> chunks, List<EvaluateBatchResponse> responses)
    {
        if (responses.Count != chunks.Count + 2 || responses[0].Ready is null || responses[^1].Summary is null)
        {
            throw Wrong($"an OK batch of {chunks.Count} chunks answered {responses.Count} messages, not ready, one result per chunk, summary");
        }
        for (var c = 0; c < chunks.Count; c++)
        {
            var result = responses[c + 1].Result ?? throw Wrong($"batch response {c + 1} is not a result");
            if (result.Sequence != chunks[c].Sequence)
            {
                throw Wrong($"chunk {chunks[c].Sequence} answered as {result.Sequence}");
            }
            if (result.Outputs.Values.Any(column => column.Shape.Count > 0 && column.Shape[0] == 0))
            {
                continue; // a chunk of no points (say, no batch inputs and no columns) has no point 0 to compare
            }
            var graph = start.Graph.Clone();
            foreach (var (id, column) in chunks[c].Columns)
            {
                var leaf = graph.Nodes.First(n => n.Id == id);
                var data = Data(column);
                var shape = leaf.Input.Value.Shape.Select(d => (int)d).ToArray();
                var size = Shapes.ElementCount(shape);
                if (data.Length < size)
                {
                    throw Wrong($"chunk {chunks[c].Sequence}: the server accepted column '{id}' of {data.Length} values for points of shape {Shapes.Format(shape)} (column shape [{string.Join(", ", column.Shape)}])");
                }
                leaf.Input.Value = TensorProtos.ToProto(new EngineTensor(shape, data[..size]));
            }
            var alone = Evaluate(new EvaluateRequest { Graph = graph, Outputs = { start.Outputs }, Wrt = { start.Wrt } });
            foreach (var (id, column) in result.Outputs)
            {
                var expected = alone.ValueOf(id);
                var got = Data(column);
                if (got.Length < expected.Length || !Equal(expected.Data, got.AsSpan(0, expected.Length)))
                {
                    throw Wrong($"chunk {chunks[c].Sequence}: output '{id}' of point 0 differs from the graph evaluated alone");
                }
            }
        }
    }

    /// <summary>A tensor's numbers whatever its shape says: a chunk's column may leave the shape out.</summary>
    private static double[] Data(Contracts.V1.Tensor tensor) =>
        tensor.Raw.IsEmpty ? [.. tensor.Values] : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(tensor.Raw.Span).ToArray();

    private static EvaluationResult Evaluate(EvaluateRequest wire)
    {
        var compilation = GraphCompiler.Compile(wire.Graph);
        var request = new EvaluationRequest
        {
            Outputs = wire.Outputs.Count > 0 ? [.. wire.Outputs] : compilation.DefaultOutputs,
            Wrt = [.. wire.Wrt],
            Seeds = wire.Seeds.ToDictionary(s => s.Key, s => TensorProtos.FromProto(s.Value)),
        };
        if (!compilation.IsValid || compilation.CheckRequest(request).Count > 0)
        {
            throw Wrong("the server evaluated a request the engine finds invalid");
        }
        try
        {
            return Evaluator.Evaluate(compilation.Plan!, request);
        }
        catch (EvaluationException e)
        {
            throw Wrong($"the server evaluated a request on which the engine fails: {e.Message}");
        }
    }

    private static void CheckSummary(EvaluationResult result, EvaluationSummary summary)
    {
        if (summary.NodeCount != result.Plan.Count)
        {
            throw Wrong($"the summary counts {summary.NodeCount} nodes, the plan has {result.Plan.Count}");
        }
        foreach (var output in summary.Outputs)
        {
            Same($"output '{output.NodeId}'", result.ValueOf(output.NodeId), output.Value);
        }
        var nonFinite = result.FirstNonFinite?.NodeId ?? "";
        if ((summary.FirstNonFinite?.NodeId ?? "") != nonFinite)
        {
            throw Wrong($"the first non-finite node is '{summary.FirstNonFinite?.NodeId}', the engine says '{nonFinite}'");
        }
    }

    private static void Same(string what, EngineTensor? expected, Contracts.V1.Tensor got)
    {
        var actual = TensorProtos.FromProto(got);
        if (expected is null || !expected.Shape.SequenceEqual(actual.Shape) || !Equal(expected.Data, actual.Data))
        {
            throw Wrong($"the {what} differs from the engine's");
        }
    }

    private static bool Equal(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (var i = 0; i < a.Length; i++)
        {
            if (!a[i].Equals(b[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static FuzzFailure Wrong(string message) => new("OK", message);
}
