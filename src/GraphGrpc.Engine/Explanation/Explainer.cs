using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// Explains a gradient as seed 000 and seed 001 do by hand: the sum, over every path from the output
/// down to the wrt node, of the product of the local gradients along it. It returns the paths of
/// largest contribution, how many paths there are, the remainder that closes the sum, the fork/join
/// blocks the paths fold into, and every edge's local gradient. Nothing recurses and no path is
/// enumerated, so a ladder of 64 forks (2⁶⁴ paths) or a graph a million nodes deep is answered in
/// time linear in its size (times K for the top paths).
/// </summary>
public static class Explainer
{
    /// <summary>Check the request with <see cref="Compilation.Compilation.CheckRequest"/> on <see cref="ExplanationRequest.AsEvaluationRequest"/> first; this assumes it is sound.</summary>
    public static GradientExplanation Explain(Plan plan, ExplanationRequest request, CancellationToken cancellationToken = default)
    {
        var view = PlanView.Forward(plan, cancellationToken);
        var (output, wrt) = (view.SlotOf(request.Output), view.SlotOf(request.Wrt));
        var seed = request.Seed ?? Tensor.Filled(view.Shape(output), 1);
        var paths = PathSubgraph.Between(view, output, wrt);

        var counts = PathCounts.FromOutput(paths);
        var flow = GradientFlow.Run(view, paths, seed, cancellationToken);
        var total = paths.Count > 0 ? flow.Gradients[paths.Wrt] : Tensor.Zeros(view.Shape(wrt));
        var pathCount = paths.Count > 0 ? counts[paths.Wrt] : 0;
        var top = TopPaths.Find(view, paths, flow, seed, request.TopK, cancellationToken);
        var through = ForkJoinBlocks.Through(paths);

        return new GradientExplanation
        {
            Output = request.Output,
            Wrt = request.Wrt,
            PathCount = pathCount,
            Total = total,
            TopPaths = top,
            Remainder = TensorSums.Remainder(total, top.Select(path => path.Contribution)),
            RankingExact = pathCount <= request.TopK || TopPaths.AllSingleElements(view, paths),
            Through = through.Select(p => view.Id(paths.Slots[p])).ToArray(),
            Blocks = ForkJoinBlocks.Find(view, paths, through, counts, flow, cancellationToken),
            Edges = Enumerable.Range(0, paths.EdgeCount).Select(e => new ExplainedEdge(
                view.Id(paths.Slots[paths.EdgeConsumer[e]]), paths.EdgeOperand[e], view.Id(paths.Slots[paths.EdgeInput[e]]),
                flow.Locals[e], flow.Flows[e])).ToArray(),
        };
    }
}
