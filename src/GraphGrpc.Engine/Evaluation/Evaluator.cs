using System.Diagnostics;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Evaluation;

/// <summary>
/// Runs a plan: forward in Kahn order, then reverse-mode backward from the seeded outputs, summing
/// gradients where a value fans out. Backward visits only nodes on a path between an output and a
/// node whose gradient is wanted; every node on such a path keeps its gradient (PyTorch's retain_grad).
/// </summary>
public static class Evaluator
{
    /// <summary>Validate the request with <see cref="Compilation.Compilation.CheckRequest"/> first; this assumes it is sound.</summary>
    public static EvaluationResult Evaluate(Plan plan, EvaluationRequest request, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var values = Forward(plan, cancellationToken);
        var forwardTime = clock.Elapsed;
        var firstNonFinite = FirstNonFiniteValue(plan, values);

        clock.Restart();
        var edgeGradients = request.RecordEdgeGradients ? new Tensor?[plan.Count][] : null;
        var (gradients, firstNonFiniteGradient) = Backward(plan, values, request, edgeGradients, cancellationToken);
        return new EvaluationResult(plan, request, values, gradients, edgeGradients, firstNonFinite ?? firstNonFiniteGradient,
            forwardTime, clock.Elapsed);
    }

    public static Tensor[] Forward(Plan plan, CancellationToken cancellationToken = default)
    {
        var values = new Tensor[plan.Count];
        var operands = new Tensor[MaxArity(plan)];
        var slot = 0;
        try
        {
            for (; slot < plan.Count; slot++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                values[slot] = plan.Ops[slot].Forward(Gather(plan.Inputs[slot], values, operands));
            }
        }
        catch (InvalidOperandException e)
        {
            throw NodeFailed(plan, slot, e);
        }
        return values;
    }

    private static (Tensor?[] Gradients, NonFiniteNode? FirstNonFinite) Backward(
        Plan plan, Tensor[] values, EvaluationRequest request, Tensor?[][]? edgeGradients, CancellationToken cancellationToken)
    {
        var gradients = new Tensor?[plan.Count];
        if (request.Outputs.Count == 0)
        {
            return (gradients, null);
        }
        var onPath = NodesOnPath(plan, request);
        foreach (var output in request.Outputs.Distinct())
        {
            var slot = plan.SlotOf(output);
            if (onPath[slot])
            {
                gradients[slot] = request.Seeds.TryGetValue(output, out var seed) ? seed : Tensor.Filled(plan.Shapes[slot], 1);
            }
        }

        NonFiniteNode? firstNonFinite = null;
        var operands = new Tensor[MaxArity(plan)];
        var current = plan.Count - 1;
        try
        {
            for (; current >= 0; current--)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (gradients[current] is not { } gradient)
                {
                    continue;
                }
                if (firstNonFinite is null && !gradient.IsFinite())
                {
                    firstNonFinite = new NonFiniteNode(plan.Ids[current], EvaluationPhase.Backward);
                }
                SendGradientToInputs(plan, current, values, gradients, onPath, edgeGradients, operands);
            }
        }
        catch (InvalidOperandException e)
        {
            throw NodeFailed(plan, current, e);
        }

        foreach (var wrt in request.Wrt)
        {
            var slot = plan.SlotOf(wrt);
            gradients[slot] ??= Tensor.Zeros(plan.Shapes[slot]);
        }
        return (gradients, firstNonFinite);
    }

    /// <summary>Applies one node's backward rule for each operand on the path, summing each share into the operand's gradient.</summary>
    private static void SendGradientToInputs(
        Plan plan, int slot, Tensor[] values, Tensor?[] gradients, bool[] onPath, Tensor?[][]? edgeGradients, Tensor[] operands)
    {
        var inputSlots = plan.Inputs[slot];
        edgeGradients?[slot] = new Tensor?[inputSlots.Length];
        for (var k = 0; k < inputSlots.Length; k++)
        {
            if (!onPath[inputSlots[k]])
            {
                continue;
            }
            var share = plan.Ops[slot].Backward(k, Gather(inputSlots, values, operands), values[slot], gradients[slot]!);
            if (share is null)
            {
                continue;
            }
            edgeGradients?[slot][k] = share;
            gradients[inputSlots[k]] = Accumulate(gradients[inputSlots[k]], share);
        }
    }

    /// <summary>
    /// The slots backward must visit: those that depend on a node whose gradient is wanted (forward
    /// sweep) and that reach an output (backward sweep). Everything else is skipped.
    /// </summary>
    private static bool[] NodesOnPath(Plan plan, EvaluationRequest request)
    {
        var wanted = new bool[plan.Count];
        if (request.Wrt.Count > 0)
        {
            foreach (var wrt in request.Wrt)
            {
                wanted[plan.SlotOf(wrt)] = true;
            }
        }
        else
        {
            for (var slot = 0; slot < plan.Count; slot++)
            {
                wanted[slot] = plan.Ops[slot] is LeafOp { IsVariable: true };
            }
        }

        var dependsOnWanted = new bool[plan.Count];
        for (var slot = 0; slot < plan.Count; slot++)
        {
            dependsOnWanted[slot] = wanted[slot] || plan.Inputs[slot].Any(input => dependsOnWanted[input]);
        }

        var reachesOutput = new bool[plan.Count];
        foreach (var output in request.Outputs)
        {
            reachesOutput[plan.SlotOf(output)] = true;
        }
        var onPath = new bool[plan.Count];
        for (var slot = plan.Count - 1; slot >= 0; slot--)
        {
            if (!reachesOutput[slot])
            {
                continue;
            }
            foreach (var input in plan.Inputs[slot])
            {
                reachesOutput[input] = true;
            }
            onPath[slot] = dependsOnWanted[slot];
        }
        return onPath;
    }

    /// <summary>Sums a new share into a gradient. Never writes into either tensor: both may be shared.</summary>
    private static Tensor Accumulate(Tensor? total, Tensor share)
    {
        if (total is null)
        {
            return share;
        }
        var sum = new double[total.Length];
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] = total.Data[i] + share.Data[i];
        }
        return new Tensor(total.Shape, sum);
    }

    private static NonFiniteNode? FirstNonFiniteValue(Plan plan, Tensor[] values)
    {
        for (var slot = 0; slot < plan.Count; slot++)
        {
            if (!values[slot].IsFinite())
            {
                return new NonFiniteNode(plan.Ids[slot], EvaluationPhase.Forward);
            }
        }
        return null;
    }

    private static ReadOnlySpan<Tensor> Gather(int[] inputSlots, Tensor[] values, Tensor[] operands)
    {
        for (var k = 0; k < inputSlots.Length; k++)
        {
            operands[k] = values[inputSlots[k]];
        }
        return operands.AsSpan(0, inputSlots.Length);
    }

    private static int MaxArity(Plan plan) => plan.Inputs.Length == 0 ? 0 : plan.Inputs.Max(inputs => inputs.Length);

    /// <summary>Names the node whose operands' values were outside its op's domain.</summary>
    private static EvaluationException NodeFailed(Plan plan, int slot, InvalidOperandException e) =>
        new(plan.Ids[slot], $"{plan.Ops[slot].Name}: {e.Message}", e);
}
