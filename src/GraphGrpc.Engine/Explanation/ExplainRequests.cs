using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// The wire's ExplainRequest read against a compiled graph, for the service and the CLI alike:
/// the default output, the default top K, the seed decoded, and every problem at once, checked as
/// an evaluation of the same gradient would be.
/// </summary>
public static class ExplainRequests
{
    /// <summary>The request, or null with <paramref name="problems"/> saying everything that is wrong.</summary>
    public static ExplanationRequest? Read(Proto.ExplainRequest wire, Compilation.Compilation compilation, long maxTensorElements, out List<GraphProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(wire);
        ArgumentNullException.ThrowIfNull(compilation);
        problems = [.. compilation.Problems];
        var output = wire.Output.Length > 0 ? wire.Output : compilation.DefaultOutputs.FirstOrDefault();
        if (output is null && compilation.IsValid)
        {
            problems.Add(new GraphProblem("", ProblemKind.UnknownOutput,
                $"the graph has several sinks ({string.Join(", ", compilation.Sinks)}); name the output to explain"));
        }
        if (wire.Wrt.Length == 0)
        {
            problems.Add(new GraphProblem("", ProblemKind.UnknownNode, "no wrt node is named: say which node the gradient is taken with respect to"));
        }
        if (wire.TopK is < 0 or > ExplanationRequest.MaxTopK)
        {
            problems.Add(new GraphProblem("", ProblemKind.InvalidValue,
                $"top_k is {wire.TopK}; it must be from 1 to {ExplanationRequest.MaxTopK}, or 0 for {ExplanationRequest.DefaultTopK}"));
        }
        Tensor? seed = null;
        if (wire.Seed is not null)
        {
            try
            {
                seed = TensorProtos.FromProto(wire.Seed, maxTensorElements);
            }
            catch (InvalidTensorException e)
            {
                problems.Add(new GraphProblem(output ?? "", ProblemKind.InvalidValue, $"the seed: {e.Message}"));
            }
        }
        if (problems.Count > 0)
        {
            return null;
        }
        var request = new ExplanationRequest
        {
            Output = output!,
            Wrt = wire.Wrt,
            TopK = wire.TopK == 0 ? ExplanationRequest.DefaultTopK : wire.TopK,
            Seed = seed,
        };
        problems.AddRange(compilation.CheckRequest(request.AsEvaluationRequest()));
        return problems.Count == 0 ? request : null;
    }
}
