using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Ops.Elementwise;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Ops.Reductions;
using GraphGrpc.Engine.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace GraphGrpc.Engine.Batch;

/// <summary>
/// Evaluates a plan at many points: forward then backward through the whole plan, one cache-sized
/// chunk of points at a time, chunks in parallel on every core. Each point gets exactly the bits a
/// one-point evaluation gives it: elementwise rules run over a whole chunk at once (their results
/// depend on each element alone), and every other op runs point by point through its usual rules.
/// </summary>
public static class BatchEvaluator
{
    /// <param name="inputs">One column per batch input, in the request's order: points × elements per point.</param>
    public static BatchResult Evaluate(BatchPlan plan, IReadOnlyList<double[]> inputs, int pointCount, CancellationToken cancellationToken = default) =>
        EvaluateInto(plan, inputs, BatchResult.Allocate(plan, pointCount), cancellationToken);

    /// <summary>
    /// Evaluates into the columns of <paramref name="result"/> (from <see cref="BatchResult.Allocate"/>),
    /// overwriting them: a caller that evaluates batch after batch reuses one set of columns, and spares
    /// the memory system a fresh set of pages every time.
    /// </summary>
    public static BatchResult EvaluateInto(BatchPlan plan, IReadOnlyList<double[]> inputs, BatchResult result, CancellationToken cancellationToken = default)
    {
        var pointCount = result.PointCount;
        for (var i = 0; i < plan.BatchInputs.Length; i++)
        {
            var expected = (long)pointCount * plan.PointSizes[plan.BatchInputs[i]];
            if (inputs[i].Length != expected)
            {
                throw new ArgumentException(
                    $"batch input '{plan.Plan.Ids[plan.BatchInputs[i]]}' has {inputs[i].Length} values; {pointCount} points need {expected}", nameof(inputs));
            }
        }
        var (outputs, gradients) = (result.Outputs, result.Gradients);
        var summed = plan.Wrt.Select(plan.IsSummed).ToArray();
        var fits = outputs.Length == plan.Outputs.Length && gradients.Length == plan.Wrt.Length
            && plan.Outputs.Select((slot, o) => outputs[o].Length == (long)pointCount * plan.PointSizes[slot]).All(ok => ok)
            && plan.Wrt.Select((slot, w) => gradients[w].Length == (summed[w] ? 1 : (long)pointCount) * plan.PointSizes[slot]).All(ok => ok);
        if (!fits)
        {
            throw new ArgumentException($"the result columns do not fit {pointCount} points of this plan; make them with BatchResult.Allocate", nameof(result));
        }
        for (var w = 0; w < plan.Wrt.Length; w++)
        {
            if (summed[w])
            {
                Array.Clear(gradients[w]);
            }
        }

        var chunkCount = (pointCount + plan.ChunkSize - 1) / plan.ChunkSize;
        // Summed gradients are added per chunk, then across chunks in chunk order, so the result does not depend on thread timing.
        var partialSums = summed.Contains(true) ? new double[chunkCount][][] : null;
        // One worker per core, each taking the next chunk until none is left, with scratch the plan keeps between batches.
        // At least one, so that an empty batch still runs (and leaves every sum at zero).
        var workers = Math.Max(1, Math.Min(Environment.ProcessorCount, chunkCount));
        var nextChunk = -1;
        Parallel.For(0, workers, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = workers }, _ =>
        {
            var buffers = plan.SpareBuffers.TryTake(out var spare) ? spare : new ChunkBuffers(plan);
            try
            {
                var run = new ChunkRun(plan, buffers, inputs, outputs, gradients, summed, partialSums);
                for (int chunk; (chunk = Interlocked.Increment(ref nextChunk)) < chunkCount;)
                {
                    var start = chunk * plan.ChunkSize;
                    run.Execute(chunk, start, Math.Min(plan.ChunkSize, pointCount - start), cancellationToken);
                }
            }
            finally
            {
                plan.SpareBuffers.Add(buffers);
            }
        });

        for (var w = 0; w < plan.Wrt.Length; w++)
        {
            if (!summed[w])
            {
                continue;
            }
            foreach (var chunk in partialSums!)
            {
                var partial = chunk[w];
                for (var i = 0; i < partial.Length; i++)
                {
                    gradients[w][i] += partial[i];
                }
            }
        }
        return result;
    }

    /// <summary>
    /// One worker's part of one batch, chunk after chunk, in scratch borrowed from the plan: a chunk's values and gradients by slot. A slot
    /// whose chunk lives in a caller's column (a batch input's values, an output's values, a wrt
    /// node's per-point gradient) is read and written there in place, with no copy in or out.
    /// </summary>
    private sealed class ChunkRun
    {
        private readonly BatchPlan _plan;
        private readonly double[][] _outputs;
        private readonly double[][] _gradientColumns;
        private readonly bool[] _summed;
        private readonly double[][][]? _partialSums;
        private readonly double[]?[] _values;
        private readonly double[]?[] _gradients;
        /// <summary>The caller's column holding a slot's values or gradients, indexed from the chunk's first point; null for a buffer of ours.</summary>
        private readonly double[]?[] _valueColumns;
        private readonly double[]?[] _gradientColumnOf;
        private readonly int[] _forwardSlots;
        private readonly bool[] _assigned;
        /// <summary>The slot whose gradient storage holds a slot's gradient, when it is another's; else −1.</summary>
        private readonly int[] _heldBy;
        private readonly double[] _share;
        private readonly double[] _wide;
        private int _start;
        private int _count;

        public ChunkRun(BatchPlan plan, ChunkBuffers buffers, IReadOnlyList<double[]> inputs, double[][] outputs, double[][] gradients, bool[] summed, double[][][]? partialSums)
        {
            _plan = plan;
            _outputs = outputs;
            _gradientColumns = gradients;
            _summed = summed;
            _partialSums = partialSums;
            var count = plan.Plan.Count;
            _valueColumns = new double[]?[count];
            _gradientColumnOf = new double[]?[count];
            for (var i = 0; i < plan.BatchInputs.Length; i++)
            {
                _valueColumns[plan.BatchInputs[i]] = inputs[i];
            }
            for (var o = 0; o < plan.Outputs.Length; o++)
            {
                if (plan.Varies[plan.Outputs[o]])
                {
                    _valueColumns[plan.Outputs[o]] ??= outputs[o];
                }
            }
            for (var w = 0; w < plan.Wrt.Length; w++)
            {
                if (plan.GradientInColumn[plan.Wrt[w]])
                {
                    _gradientColumnOf[plan.Wrt[w]] ??= gradients[w];
                }
            }
            _forwardSlots = plan.ForwardSlots;
            _values = buffers.Values;
            _gradients = buffers.Gradients;
            _assigned = buffers.Assigned;
            _heldBy = buffers.HeldBy;
            _share = buffers.Share;
            _wide = buffers.Wide;
        }

        public void Execute(int chunk, int start, int count, CancellationToken cancellationToken)
        {
            _start = start;
            _count = count;
            var slot = -1;
            try
            {
                foreach (var forwardSlot in _forwardSlots)
                {
                    slot = forwardSlot;
                    cancellationToken.ThrowIfCancellationRequested();
                    Forward(slot);
                }
                Backward(ref slot, cancellationToken);
            }
            catch (InvalidOperandException e)
            {
                throw new EvaluationException(_plan.Plan.Ids[slot], $"{_plan.Plan.Ops[slot].Name} in the chunk from point {start}: {e.Message}", e);
            }

            for (var o = 0; o < _plan.Outputs.Length; o++)
            {
                var output = _plan.Outputs[o];
                var n = _plan.PointSizes[output];
                if (_valueColumns[output] == _outputs[o])
                {
                    continue;
                }
                var column = _outputs[o].AsSpan(start * n, count * n);
                if (_plan.Varies[output])
                {
                    Values(output).CopyTo(column);
                }
                else
                {
                    for (var k = 0; k < count; k++)
                    {
                        _plan.SharedValues[output]!.Data.CopyTo(column.Slice(k * n, n));
                    }
                }
            }
            if (_partialSums is not null)
            {
                _partialSums[chunk] = new double[_plan.Wrt.Length][];
            }
            for (var w = 0; w < _plan.Wrt.Length; w++)
            {
                var wrt = _plan.Wrt[w];
                var n = _plan.PointSizes[wrt];
                var gradient = _assigned[wrt] ? Gradient(wrt) : default;
                if (_summed[w])
                {
                    var sum = new double[n];
                    for (var k = 0; k < count && _assigned[wrt]; k++)
                    {
                        for (var i = 0; i < n; i++)
                        {
                            sum[i] += gradient[k * n + i];
                        }
                    }
                    _partialSums![chunk][w] = sum;
                    continue;
                }
                var column = _gradientColumns[w].AsSpan(start * n, count * n);
                if (!_assigned[wrt])
                {
                    // Asked for, but the outputs do not depend on it: zero, as for one point.
                    column.Clear();
                }
                else if (_gradientColumnOf[wrt] != _gradientColumns[w])
                {
                    gradient.CopyTo(column);
                }
            }
        }

        /// <summary>This chunk's values of a slot that varies.</summary>
        private Span<double> Values(int slot)
        {
            var n = _plan.PointSizes[slot];
            return _valueColumns[slot] is { } column ? column.AsSpan(_start * n, _count * n) : _values[slot].AsSpan(0, _count * n);
        }

        /// <summary>This chunk's gradient of a slot on the path, wherever it is held.</summary>
        private Span<double> Gradient(int slot) => OwnGradient(_heldBy[slot] < 0 ? slot : _heldBy[slot]);

        /// <summary>The slot's own gradient storage, which holds its gradient unless another slot's holds it.</summary>
        private Span<double> OwnGradient(int slot)
        {
            var n = _plan.PointSizes[slot];
            return _gradientColumnOf[slot] is { } column ? column.AsSpan(_start * n, _count * n) : _gradients[slot].AsSpan(0, _count * n);
        }

        /// <summary>
        /// Whether the share of operand <paramref name="operand"/> is the node's gradient itself, point for
        /// point (an add, or a sub's left side, of the same size), so the operand may read it where it is.
        /// </summary>
        private bool PassesGradientThrough(int slot, int operand)
        {
            var input = _plan.Plan.Inputs[slot][operand];
            return _plan.PointSizes[input] == _plan.PointSizes[slot] && !_plan.GradientInColumn[input]
                && _plan.Plan.Ops[slot] switch { AddOp => true, SubOp => operand == 0, _ => false };
        }

        private void Forward(int slot)
        {
            var plan = _plan.Plan;
            var n = _plan.PointSizes[slot];
            var y = Values(slot);
            var inputs = plan.Inputs[slot];
            switch (plan.Ops[slot])
            {
                case UnaryOp unary:
                    unary.Compute(Operand(inputs[0]), y);
                    return;
                case BinaryOp binary when IsWhole(inputs[0], n) && IsWhole(inputs[1], n):
                    binary.Compute(Operand(inputs[0]), Operand(inputs[1]), y);
                    return;
                case BinaryOp binary when FitsEachPoint(inputs[0], n) && FitsEachPoint(inputs[1], n):
                    for (var k = 0; k < _count; k++)
                    {
                        binary.Compute(PointOf(inputs[0], k), PointOf(inputs[1], k), y.Slice(k * n, n));
                    }
                    return;
                case ReduceOp reduce when n == 1:
                    // A whole point folded to one value: as the one-point rule, 0 + each element in order, then over the count.
                    var size = _plan.PointSizes[inputs[0]];
                    var x = Values(inputs[0]);
                    if (size == 1)
                    {
                        // Nothing folds: the one-point rule copies.
                        x.CopyTo(y);
                    }
                    else
                    {
                        SumEachPoint(x, size, y);
                    }
                    if (reduce.IsMean)
                    {
                        TensorPrimitives.Divide(y, size, y);
                    }
                    return;
                default:
                    for (var k = 0; k < _count; k++)
                    {
                        plan.Ops[slot].Forward(PointTensors(slot, k)).Data.CopyTo(y.Slice(k * n, n));
                    }
                    return;
            }
        }

        /// <summary>Reverse mode over the chunk; <paramref name="slot"/> tracks the node at work, to name it if its rule fails.</summary>
        private void Backward(ref int slot, CancellationToken cancellationToken)
        {
            var plan = _plan.Plan;
            Array.Clear(_assigned);
            Array.Fill(_heldBy, -1);
            foreach (var output in _plan.Outputs)
            {
                if (_plan.OnPath[output] && !_assigned[output])
                {
                    Gradient(output).Fill(1);
                    _assigned[output] = true;
                }
            }
            for (slot = plan.Count - 1; slot >= 0; slot--)
            {
                if (!_plan.OnPath[slot] || !_assigned[slot])
                {
                    continue;
                }
                cancellationToken.ThrowIfCancellationRequested();
                var inputs = plan.Inputs[slot];
                for (var k = 0; k < inputs.Length; k++)
                {
                    var input = inputs[k];
                    if (!_plan.OnPath[input])
                    {
                        continue;
                    }
                    var total = OwnGradient(input);
                    // The first share lands in the operand's gradient directly, or is not copied at all when it
                    // is this node's gradient unchanged: a node's gradient is final once backward reaches it.
                    // Later shares are added, into the operand's own storage.
                    if (!_assigned[input] && PassesGradientThrough(slot, k))
                    {
                        _heldBy[input] = _heldBy[slot] < 0 ? slot : _heldBy[slot];
                        _assigned[input] = true;
                    }
                    else if (!_assigned[input])
                    {
                        _assigned[input] = Share(slot, k, total);
                    }
                    else if (Share(slot, k, _share.AsSpan(0, total.Length)))
                    {
                        VectorArithmetic.Add(Gradient(input), _share.AsSpan(0, total.Length), total);
                        _heldBy[input] = -1;
                    }
                }
            }
        }

        /// <summary>What flows back from <paramref name="slot"/> into its operand, per point, in that operand's point size; false if nothing does.</summary>
        private bool Share(int slot, int operand, Span<double> share)
        {
            var plan = _plan.Plan;
            var n = _plan.PointSizes[slot];
            var inputs = plan.Inputs[slot];
            var input = inputs[operand];
            var inputSize = _plan.PointSizes[input];
            ReadOnlySpan<double> g = Gradient(slot);
            switch (plan.Ops[slot])
            {
                case UnaryOp unary when _plan.Varies[slot]:
                    unary.ComputeGradient(g, Operand(input), Operand(slot), share);
                    return true;
                case UnaryOp unary:
                    for (var k = 0; k < _count; k++)
                    {
                        unary.ComputeGradient(g.Slice(k * n, n), PointOf(input, k), PointOf(slot, k), share.Slice(k * n, n));
                    }
                    return true;
                case BinaryOp binary when (inputSize == n || inputSize == 1)
                    && _plan.Varies[slot] && IsWhole(inputs[0], n) && IsWhole(inputs[1], n):
                    var wide = inputSize == n ? share : _wide.AsSpan(0, _count * n);
                    binary.ComputeGradient(operand, g, Operand(inputs[0]), Operand(inputs[1]), Operand(slot), wide);
                    SumEachPoint(wide, n, share);
                    return true;
                case BinaryOp binary when (inputSize == n || inputSize == 1)
                    && FitsEachPoint(inputs[0], n) && FitsEachPoint(inputs[1], n) && FitsEachPoint(slot, n):
                    var perPoint = _wide.AsSpan(0, _count * n);
                    for (var k = 0; k < _count; k++)
                    {
                        binary.ComputeGradient(operand, g.Slice(k * n, n), PointOf(inputs[0], k), PointOf(inputs[1], k), PointOf(slot, k), perPoint.Slice(k * n, n));
                    }
                    SumEachPoint(perPoint, n, share);
                    return true;
                case ReduceOp reduce when n == 1:
                    // Each point's one gradient spread over its elements, over the count for a mean.
                    for (var k = 0; k < _count; k++)
                    {
                        share.Slice(k * inputSize, inputSize).Fill(g[k]);
                    }
                    if (reduce.IsMean)
                    {
                        TensorPrimitives.Divide(share, inputSize, share);
                    }
                    return true;
                default:
                    for (var k = 0; k < _count; k++)
                    {
                        var tensors = PointTensors(slot, k);
                        var output = _plan.Varies[slot] ? new Tensor(plan.Shapes[slot], PointOf(slot, k).ToArray()) : _plan.SharedValues[slot]!;
                        var result = plan.Ops[slot].Backward(operand, tensors, output, new Tensor(plan.Shapes[slot], g.Slice(k * n, n).ToArray()));
                        if (result is null)
                        {
                            return false;
                        }
                        result.Data.CopyTo(share.Slice(k * inputSize, inputSize));
                    }
                    return true;
            }
        }

        /// <summary>
        /// Folds each point's n elements into the share's point size: a copy when they match, else the
        /// sum in element order, as a one-point broadcast sums a scalar operand's gradient.
        /// </summary>
        private void SumEachPoint(ReadOnlySpan<double> wide, int n, Span<double> share)
        {
            if (share.Length == wide.Length)
            {
                if (!wide.Overlaps(share))
                {
                    wide.CopyTo(share);
                }
                return;
            }
            for (var k = 0; k < _count; k++)
            {
                var sum = 0.0;
                foreach (var x in wide.Slice(k * n, n))
                {
                    sum += x;
                }
                share[k] = sum;
            }
        }

        /// <summary>A whole chunk's worth of an operand: every point's elements, or one shared value standing for all.</summary>
        private bool IsWhole(int input, int n) => _plan.Varies[input] ? _plan.PointSizes[input] == n : _plan.PointSizes[input] == 1;

        /// <summary>An operand that, point by point, has the output's element count or is one value.</summary>
        private bool FitsEachPoint(int input, int n) => _plan.PointSizes[input] == n || (!_plan.Varies[input] && _plan.PointSizes[input] == 1);

        private ReadOnlySpan<double> Operand(int input) => _plan.Varies[input] ? Values(input) : _plan.SharedValues[input]!.Data;

        private ReadOnlySpan<double> PointOf(int input, int k)
        {
            var n = _plan.PointSizes[input];
            return _plan.Varies[input] ? Values(input).Slice(k * n, n) : _plan.SharedValues[input]!.Data;
        }

        /// <summary>Point k's operands as tensors, for ops that only have whole-tensor rules.</summary>
        private Tensor[] PointTensors(int slot, int k)
        {
            var plan = _plan.Plan;
            return plan.Inputs[slot]
                .Select(input => _plan.Varies[input] ? new Tensor(plan.Shapes[input], PointOf(input, k).ToArray()) : _plan.SharedValues[input]!)
                .ToArray();
        }
    }
}
