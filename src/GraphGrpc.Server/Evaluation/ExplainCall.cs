using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Explanation;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>One Explain request, from wire to wire: the plan from the cache, the request checked, then the explainer.</summary>
internal static class ExplainCall
{
    public static (Proto.ExplainResponse Response, int Nodes) Run(Proto.ExplainRequest wire, GraphLimits limits, PlanCache cache, CancellationToken cancellationToken)
    {
        if (wire.Graph is null)
        {
            throw InvalidRequest.Exception([new GraphProblem("", ProblemKind.MissingValue, "the request has no graph")]);
        }
        var (compilation, _) = cache.GetOrCompile(PlanCache.Hash(wire.Graph), wire.Graph, limits);
        var request = ExplainRequests.Read(wire, compilation, limits.MaxTensorElements, out var problems) ?? throw InvalidRequest.Exception(problems);
        var plan = compilation.Plan!;
        return (ExplanationProtos.ToProto(Explainer.Explain(plan, request, cancellationToken)), plan.Count);
    }
}
