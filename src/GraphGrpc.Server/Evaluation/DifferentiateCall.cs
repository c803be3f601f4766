using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// One Differentiate request, from wire to wire: the graph (sent, or named by a plan the server
/// holds), the differentiator, and the gradient graph compiled into the plan cache, so that the
/// batch that evaluates it next can name it by hash.
/// </summary>
internal static class DifferentiateCall
{
    public static (Proto.DifferentiateResponse Response, int Nodes) Run(Proto.DifferentiateRequest wire, GraphLimits limits, PlanCache cache)
    {
        var graph = GraphOf(wire, cache);
        var result = Differentiator.Differentiate(graph, new DifferentiationRequest
        {
            Outputs = [.. wire.Outputs],
            Wrt = [.. wire.Wrt],
            SeedsAsInputs = wire.SeedsAsInputs,
        }, limits);
        if (!result.IsValid)
        {
            throw InvalidRequest.Exception(result.Problems);
        }

        var hash = PlanCache.Hash(result.Graph!);
        var (compilation, _) = cache.GetOrCompile(hash, result.Graph!, limits);
        if (!compilation.IsValid)
        {
            // The gradient graph of a valid graph is valid; one that is not (a limit it alone exceeds) is still refused, naming why.
            throw InvalidRequest.Exception(compilation.Problems);
        }
        var response = new Proto.DifferentiateResponse { Graph = result.Graph, PlanHash = hash };
        response.Gradients.Add(result.Sinks.Select(sink => new Proto.DifferentiateResponse.Types.Sink { NodeId = sink.SinkId, Output = sink.Output, Wrt = sink.Wrt }));
        response.Seeds.Add(result.Seeds.Select(seed => new Proto.DifferentiateResponse.Types.Seed { NodeId = seed.SeedId, Output = seed.Output }));
        return (response, graph.Nodes.Count);
    }

    private static Proto.Graph GraphOf(Proto.DifferentiateRequest wire, PlanCache cache) => wire.PlanCase switch
    {
        Proto.DifferentiateRequest.PlanOneofCase.Graph => wire.Graph,
        Proto.DifferentiateRequest.PlanOneofCase.PlanHash when cache.TryGetGraph(wire.PlanHash, out var held) => held,
        Proto.DifferentiateRequest.PlanOneofCase.PlanHash => throw new RpcException(new Status(StatusCode.NotFound,
            $"the server holds no plan with hash {wire.PlanHash} (it may have been evicted); send the graph instead")),
        _ => throw InvalidRequest.Exception([new GraphProblem("", ProblemKind.MissingValue, "the request has neither a graph nor a plan hash")]),
    };
}
