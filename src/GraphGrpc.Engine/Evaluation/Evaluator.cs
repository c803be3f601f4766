using System.Diagnostics;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Evaluation;

/// <summary>
/// Runs a plan: forward in Kahn order, then reverse-mode backward from the seeded outputs, summing
/// gradients where a value fans out. Backward visits only nodes on a path between an output and a
/// node whose gradient is wanted; every node on such a path keeps its gradient (PyTorch's retain_grad).
/// </summary>
public static class Evaluator
{
    /// <summary>Check the request with <see cref="Compilation.Compilation.CheckRequest"/> first; this assumes it is sound.</summary>
    public static EvaluationResult Evaluate(
        Plan plan, EvaluationRequest request, IEvaluationObserver? observer = null, CancellationToken cancellationToken = default) =>
        new Run(plan, request, observer, cancellationToken).Execute();

    /// <summary>The forward pass alone.</summary>
    public static Tensor[] Forward(Plan plan, CancellationToken cancellationToken = default)
    {
        var run = new Run(plan, new EvaluationRequest(), null, cancellationToken);
        run.Forward();
        return run.Values;
    }

    /// <summary>One evaluation's state: the values and gradients by slot, and what to tell whom.</summary>
    private sealed class Run(Plan plan, EvaluationRequest request, IEvaluationObserver? observer, CancellationToken cancellationToken)
    {
        private readonly Tensor[] _operands = new Tensor[plan.Inputs.Length == 0 ? 0 : plan.Inputs.Max(inputs => inputs.Length)];
        private readonly Tensor?[] _gradients = new Tensor?[plan.Count];
        private readonly Tensor?[][]? _edgeGradients = request.RecordEdgeGradients ? new Tensor?[plan.Count][] : null;
        private readonly TimeSpan[]? _forwardTimes = request.RecordNodeTimes ? new TimeSpan[plan.Count] : null;
        private readonly TimeSpan[]? _backwardTimes = request.RecordNodeTimes ? new TimeSpan[plan.Count] : null;

        public Tensor[] Values { get; } = new Tensor[plan.Count];

        /// <summary>Each slot's tangent, when the request gave tangents.</summary>
        private Tensor[]? _tangents;

        public EvaluationResult Execute()
        {
            var clock = Stopwatch.StartNew();
            if (request.Tangents.Count > 0)
            {
                ForwardWithTangents();
            }
            else
            {
                Forward();
            }
            var forwardTime = clock.Elapsed;
            var firstNonFinite = FirstNonFiniteValue();

            clock.Restart();
            var firstNonFiniteGradient = request.Outputs.Count > 0 ? Backward() : null;
            return new EvaluationResult(plan, request, Values, _gradients, _edgeGradients, firstNonFinite ?? firstNonFiniteGradient,
                forwardTime, clock.Elapsed, _forwardTimes, _backwardTimes) { Tangents = _tangents };
        }

        /// <summary>
        /// Forward over the plan extended with tangent nodes: each original slot, then the tangent nodes its
        /// JVP rule added, so its tangent is known right after its value.
        /// </summary>
        private void ForwardWithTangents()
        {
            var leaves = request.Tangents.Keys.Select(plan.SlotOf).Order().ToArray();
            var tangentPlan = TangentPlan.For(plan, leaves);
            var extended = tangentPlan.Plan;
            var values = new Tensor[extended.Count];
            for (var i = 0; i < leaves.Length; i++)
            {
                values[tangentPlan.TangentLeaves[i]] = request.Tangents[plan.Ids[leaves[i]]];
            }
            var isTangentLeaf = new bool[extended.Count];
            foreach (var leaf in tangentPlan.TangentLeaves)
            {
                isTangentLeaf[leaf] = true;
            }
            var operands = new Tensor[extended.Inputs.Max(inputs => inputs.Length)];
            _tangents = new Tensor[plan.Count];
            var next = plan.Count;
            var at = 0;
            try
            {
                for (var slot = 0; slot < plan.Count; slot++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    at = slot;
                    var started = Stopwatch.GetTimestamp();
                    values[slot] = plan.Ops[slot].Forward(Gather(values, extended.Inputs[slot], operands));
                    _forwardTimes?[slot] = Stopwatch.GetElapsedTime(started);
                    for (; next < tangentPlan.GroupEnds[slot]; next++)
                    {
                        at = next;
                        if (!isTangentLeaf[next])
                        {
                            values[next] = extended.Ops[next].Forward(Gather(values, extended.Inputs[next], operands));
                        }
                    }
                    Values[slot] = values[slot];
                    var tangentSlot = tangentPlan.TangentOf[slot];
                    _tangents[slot] = tangentSlot >= 0 ? values[tangentSlot] : Tensor.Zeros(plan.Shapes[slot]);
                    observer?.OnValue(slot, Values[slot]);
                    observer?.OnTangent(slot, _tangents[slot]);
                }
            }
            catch (InvalidOperandException e)
            {
                throw new EvaluationException(extended.Ids[at], $"{extended.Ops[at].Name}: {e.Message}", e);
            }
        }

        private static ReadOnlySpan<Tensor> Gather(Tensor[] values, int[] inputSlots, Tensor[] operands)
        {
            for (var k = 0; k < inputSlots.Length; k++)
            {
                operands[k] = values[inputSlots[k]];
            }
            return operands.AsSpan(0, inputSlots.Length);
        }

        public void Forward()
        {
            var slot = 0;
            try
            {
                for (; slot < plan.Count; slot++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var started = Stopwatch.GetTimestamp();
                    Values[slot] = plan.Ops[slot].Forward(Gather(plan.Inputs[slot]));
                    _forwardTimes?[slot] = Stopwatch.GetElapsedTime(started);
                    observer?.OnValue(slot, Values[slot]);
                }
            }
            catch (InvalidOperandException e)
            {
                throw NodeFailed(slot, e);
            }
        }

        /// <summary>Walks the Kahn order backwards; a slot's gradient is final when the walk reaches it.</summary>
        private NonFiniteNode? Backward()
        {
            var onPath = NodesOnPath();
            foreach (var output in request.Outputs.Distinct())
            {
                var slot = plan.SlotOf(output);
                if (onPath[slot])
                {
                    _gradients[slot] = request.Seeds.TryGetValue(output, out var seed) ? seed : Tensor.Filled(plan.Shapes[slot], 1);
                }
            }
            var wrt = request.Wrt.Select(plan.SlotOf).ToHashSet();

            NonFiniteNode? firstNonFinite = null;
            var slotNow = plan.Count - 1;
            try
            {
                for (; slotNow >= 0; slotNow--)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    // A node asked for by name that the outputs do not depend on has gradient zero.
                    if (_gradients[slotNow] is null && wrt.Contains(slotNow))
                    {
                        _gradients[slotNow] = Tensor.Zeros(plan.Shapes[slotNow]);
                    }
                    if (_gradients[slotNow] is not { } gradient)
                    {
                        continue;
                    }
                    observer?.OnGradient(slotNow, gradient);
                    if (firstNonFinite is null && !gradient.IsFinite())
                    {
                        firstNonFinite = new NonFiniteNode(plan.Ids[slotNow], EvaluationPhase.Backward);
                    }
                    var started = Stopwatch.GetTimestamp();
                    SendGradientToInputs(slotNow, onPath);
                    _backwardTimes?[slotNow] = Stopwatch.GetElapsedTime(started);
                }
            }
            catch (InvalidOperandException e)
            {
                throw NodeFailed(slotNow, e);
            }
            return firstNonFinite;
        }

        /// <summary>Applies one node's backward rule for each operand on the path, summing each share into the operand's gradient.</summary>
        private void SendGradientToInputs(int slot, bool[] onPath)
        {
            var inputSlots = plan.Inputs[slot];
            _edgeGradients?[slot] = new Tensor?[inputSlots.Length];
            for (var k = 0; k < inputSlots.Length; k++)
            {
                if (!onPath[inputSlots[k]])
                {
                    continue;
                }
                var share = plan.Ops[slot].Backward(k, Gather(inputSlots), Values[slot], _gradients[slot]!);
                if (share is null)
                {
                    continue;
                }
                _edgeGradients?[slot][k] = share;
                _gradients[inputSlots[k]] = GradientShares.Add(_gradients[inputSlots[k]], share);
            }
        }

        private bool[] NodesOnPath() =>
            PathSlots.Between(plan, request.Outputs.Select(plan.SlotOf), request.Wrt.Select(plan.SlotOf).ToList());

        private NonFiniteNode? FirstNonFiniteValue()
        {
            for (var slot = 0; slot < plan.Count; slot++)
            {
                if (!Values[slot].IsFinite())
                {
                    return new NonFiniteNode(plan.Ids[slot], EvaluationPhase.Forward);
                }
            }
            return null;
        }

        private ReadOnlySpan<Tensor> Gather(int[] inputSlots) => Gather(Values, inputSlots, _operands);

        /// <summary>Names the node whose operands' values were outside its op's domain.</summary>
        private EvaluationException NodeFailed(int slot, InvalidOperandException e) =>
            new(plan.Ids[slot], $"{plan.Ops[slot].Name}: {e.Message}", e);
    }
}
