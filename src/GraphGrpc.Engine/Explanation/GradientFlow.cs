using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// Backward over the paths alone, keeping what each edge carries. Summing over every path is this
/// dynamic program (seed 000's point): a node's gradient is the sum of what flows in along its edges.
/// </summary>
internal sealed class GradientFlow
{
    private GradientFlow(Tensor[] gradients, Tensor[] flows, Tensor[] locals)
    {
        Gradients = gradients;
        Flows = flows;
        Locals = locals;
    }

    /// <summary>∂output/∂node by position; the last is the explanation's total.</summary>
    public Tensor[] Gradients { get; }

    /// <summary>By edge: the consumer's gradient carried back through that edge alone.</summary>
    public Tensor[] Flows { get; }

    /// <summary>By edge: ones shaped like the consumer carried back through it, ∂(Σ consumer)/∂input.</summary>
    public Tensor[] Locals { get; }

    public static GradientFlow Run(PlanView plan, PathSubgraph paths, Tensor seed, CancellationToken cancellationToken)
    {
        var gradients = new Tensor?[paths.Count];
        var flows = new Tensor[paths.EdgeCount];
        var locals = new Tensor[paths.EdgeCount];
        if (paths.Count > 0)
        {
            gradients[0] = seed;
        }
        for (var p = 0; p < paths.Count; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var slot = paths.Slots[p];
            var ones = Tensor.Filled(plan.Shape(slot), 1);
            for (var e = paths.OutgoingStart[p]; e < paths.OutgoingStart[p + 1]; e++)
            {
                flows[e] = plan.Backward(slot, paths.EdgeOperand[e], gradients[p]!);
                locals[e] = plan.Backward(slot, paths.EdgeOperand[e], ones);
                var input = paths.EdgeInput[e];
                gradients[input] = GradientShares.Add(gradients[input], flows[e]);
            }
        }
        return new GradientFlow(gradients!, flows, locals);
    }
}
