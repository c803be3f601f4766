using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Explanation;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// One Explain request, from wire to wire: the plan from the cache, the request checked as an
/// evaluation of the same gradient would be (every problem at once), then the explainer.
/// </summary>
internal static class ExplainCall
{
    public static (Proto.ExplainResponse Response, int Nodes) Run(Proto.ExplainRequest wire, GraphLimits limits, PlanCache cache, CancellationToken cancellationToken)
    {
        if (wire.Graph is null)
        {
            throw InvalidRequest.Exception([new GraphProblem("", ProblemKind.MissingValue, "the request has no graph")]);
        }
        var (compilation, _) = cache.GetOrCompile(PlanCache.Hash(wire.Graph), wire.Graph, limits);
        var problems = compilation.Problems.ToList();
        var output = wire.Output.Length > 0 ? wire.Output : compilation.DefaultOutputs.FirstOrDefault();
        if (output is null && compilation.IsValid)
        {
            problems.Add(new GraphProblem("", ProblemKind.UnknownOutput,
                $"the graph has several sinks ({string.Join(", ", compilation.Sinks)}); name the output to explain"));
        }
        if (wire.Wrt.Length == 0)
        {
            problems.Add(new GraphProblem("", ProblemKind.UnknownNode, "the request names no wrt node: say which node the gradient is taken with respect to"));
        }
        if (wire.TopK is < 0 or > ExplanationRequest.MaxTopK)
        {
            problems.Add(new GraphProblem("", ProblemKind.InvalidValue, $"top_k is {wire.TopK}; it must be from 1 to {ExplanationRequest.MaxTopK}, or 0 for {ExplanationRequest.DefaultTopK}"));
        }
        Tensor? seed = null;
        if (wire.Seed is not null)
        {
            try
            {
                seed = TensorProtos.FromProto(wire.Seed, limits.MaxTensorElements);
            }
            catch (InvalidTensorException e)
            {
                problems.Add(new GraphProblem(output ?? "", ProblemKind.InvalidValue, $"the seed: {e.Message}"));
            }
        }
        if (problems.Count > 0)
        {
            throw InvalidRequest.Exception(problems);
        }
        var request = new ExplanationRequest
        {
            Output = output!,
            Wrt = wire.Wrt,
            TopK = wire.TopK == 0 ? ExplanationRequest.DefaultTopK : wire.TopK,
            Seed = seed,
        };
        problems.AddRange(compilation.CheckRequest(request.AsEvaluationRequest()));
        if (problems.Count > 0)
        {
            throw InvalidRequest.Exception(problems);
        }
        var plan = compilation.Plan!;
        return (ExplanationProtos.ToProto(Explainer.Explain(plan, request, cancellationToken)), plan.Count);
    }
}
