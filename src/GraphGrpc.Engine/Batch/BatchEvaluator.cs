using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Ops.Elementwise;
using GraphGrpc.Engine.Tensors;

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
    public static BatchResult Evaluate(BatchPlan plan, IReadOnlyList<double[]> inputs, int pointCount, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < plan.BatchInputs.Length; i++)
        {
            var expected = (long)pointCount * plan.PointSizes[plan.BatchInputs[i]];
            if (inputs[i].Length != expected)
            {
                throw new ArgumentException(
                    $"batch input '{plan.Plan.Ids[plan.BatchInputs[i]]}' has {inputs[i].Length} values; {pointCount} points need {expected}", nameof(inputs));
            }
        }
        var outputs = plan.Outputs.Select(slot => new double[(long)pointCount * plan.PointSizes[slot]]).ToArray();
        var summed = plan.Wrt.Select(slot => IsSummed(plan, slot)).ToArray();
        var gradients = plan.Wrt.Select((slot, w) => new double[summed[w] ? plan.PointSizes[slot] : (long)pointCount * plan.PointSizes[slot]]).ToArray();

        var chunkCount = (pointCount + plan.ChunkSize - 1) / plan.ChunkSize;
        // Summed gradients are added per chunk, then across chunks in chunk order, so the result does not depend on thread timing.
        var partialSums = new double[chunkCount][][];
        Parallel.For(0, chunkCount,
            new ParallelOptions { CancellationToken = cancellationToken },
            () => new ChunkRun(plan),
            (chunk, _, run) =>
            {
                var start = chunk * plan.ChunkSize;
                run.Execute(start, Math.Min(plan.ChunkSize, pointCount - start), inputs, outputs, gradients, summed, partialSums, chunk, cancellationToken);
                return run;
            },
            _ => { });

        for (var w = 0; w < plan.Wrt.Length; w++)
        {
            if (!summed[w])
            {
                continue;
            }
            foreach (var chunk in partialSums)
            {
                var partial = chunk[w];
                for (var i = 0; i < partial.Length; i++)
                {
                    gradients[w][i] += partial[i];
                }
            }
        }
        return new BatchResult(pointCount, outputs, gradients);
    }

    private static bool IsSummed(BatchPlan plan, int slot) => !plan.Varies[slot] && plan.Request.SharedGradients == SharedGradients.Sum;

    /// <summary>One worker's buffers, reused chunk after chunk: a chunk's values and gradients by slot.</summary>
    private sealed class ChunkRun
    {
        private readonly BatchPlan _plan;
        private readonly double[]?[] _values;
        private readonly double[]?[] _gradients;
        private readonly bool[] _assigned;
        private readonly double[] _share;
        private readonly double[] _wide;
        private int _count;

        public ChunkRun(BatchPlan plan)
        {
            _plan = plan;
            var size = plan.ChunkSize;
            _values = Enumerable.Range(0, plan.Plan.Count).Select(slot => plan.Varies[slot] ? new double[size * plan.PointSizes[slot]] : null).ToArray();
            _gradients = Enumerable.Range(0, plan.Plan.Count).Select(slot => plan.OnPath[slot] ? new double[size * plan.PointSizes[slot]] : null).ToArray();
            _assigned = new bool[plan.Plan.Count];
            var largest = plan.PointSizes.DefaultIfEmpty(1).Max() * size;
            _share = new double[largest];
            _wide = new double[largest];
        }

        public void Execute(int start, int count, IReadOnlyList<double[]> inputs, double[][] outputs, double[][] gradients,
            bool[] summed, double[][][] partialSums, int chunk, CancellationToken cancellationToken)
        {
            _count = count;
            var plan = _plan.Plan;
            for (var i = 0; i < _plan.BatchInputs.Length; i++)
            {
                var slot = _plan.BatchInputs[i];
                var n = _plan.PointSizes[slot];
                inputs[i].AsSpan(start * n, count * n).CopyTo(_values[slot]);
            }
            var batchInput = new HashSet<int>(_plan.BatchInputs);
            for (var slot = 0; slot < plan.Count; slot++)
            {
                if (_plan.Varies[slot] && !batchInput.Contains(slot))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Guard(slot, start, () => Forward(slot));
                }
            }
            Backward(start, cancellationToken);

            for (var o = 0; o < _plan.Outputs.Length; o++)
            {
                var slot = _plan.Outputs[o];
                var n = _plan.PointSizes[slot];
                var column = outputs[o].AsSpan(start * n, count * n);
                if (_plan.Varies[slot])
                {
                    _values[slot].AsSpan(0, count * n).CopyTo(column);
                }
                else
                {
                    for (var k = 0; k < count; k++)
                    {
                        _plan.SharedValues[slot]!.Data.CopyTo(column.Slice(k * n, n));
                    }
                }
            }
            partialSums[chunk] = new double[_plan.Wrt.Length][];
            for (var w = 0; w < _plan.Wrt.Length; w++)
            {
                var slot = _plan.Wrt[w];
                var n = _plan.PointSizes[slot];
                var gradient = _assigned[slot] ? _gradients[slot].AsSpan(0, count * n) : default;
                if (summed[w])
                {
                    var sum = new double[n];
                    for (var k = 0; k < count && _assigned[slot]; k++)
                    {
                        for (var i = 0; i < n; i++)
                        {
                            sum[i] += gradient[k * n + i];
                        }
                    }
                    partialSums[chunk][w] = sum;
                }
                else
                {
                    var column = gradients[w].AsSpan(start * n, count * n);
                    if (_assigned[slot])
                    {
                        gradient.CopyTo(column);
                    }
                    else
                    {
                        // Asked for, but the outputs do not depend on it: zero, as for one point.
                        column.Clear();
                    }
                }
            }
        }

        private void Forward(int slot)
        {
            var plan = _plan.Plan;
            var n = _plan.PointSizes[slot];
            var y = _values[slot].AsSpan(0, _count * n);
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
                default:
                    for (var k = 0; k < _count; k++)
                    {
                        plan.Ops[slot].Forward(PointTensors(slot, k)).Data.CopyTo(y.Slice(k * n, n));
                    }
                    return;
            }
        }

        private void Backward(int start, CancellationToken cancellationToken)
        {
            var plan = _plan.Plan;
            Array.Clear(_assigned);
            foreach (var output in _plan.Outputs)
            {
                if (_plan.OnPath[output] && !_assigned[output])
                {
                    _gradients[output].AsSpan(0, _count * _plan.PointSizes[output]).Fill(1);
                    _assigned[output] = true;
                }
            }
            for (var slot = plan.Count - 1; slot >= 0; slot--)
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
                    var operand = k;
                    var share = _share.AsSpan(0, _count * _plan.PointSizes[input]);
                    if (!Guard(slot, start, () => Share(slot, operand, _share)))
                    {
                        continue;
                    }
                    var total = _gradients[input].AsSpan(0, share.Length);
                    if (_assigned[input])
                    {
                        VectorArithmetic.Add(total, share, total);
                    }
                    else
                    {
                        share.CopyTo(total);
                        _assigned[input] = true;
                    }
                }
            }
        }

        /// <summary>What flows back from <paramref name="slot"/> into its operand, per point, in that operand's point size; false if nothing does.</summary>
        private bool Share(int slot, int operand, double[] shareBuffer)
        {
            var plan = _plan.Plan;
            var n = _plan.PointSizes[slot];
            var inputs = plan.Inputs[slot];
            var input = inputs[operand];
            var inputSize = _plan.PointSizes[input];
            var share = shareBuffer.AsSpan(0, _count * inputSize);
            var g = _gradients[slot].AsSpan(0, _count * n);
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

        private ReadOnlySpan<double> Operand(int input) =>
            _plan.Varies[input] ? _values[input].AsSpan(0, _count * _plan.PointSizes[input]) : _plan.SharedValues[input]!.Data;

        private ReadOnlySpan<double> PointOf(int input, int k)
        {
            var n = _plan.PointSizes[input];
            return _plan.Varies[input] ? _values[input].AsSpan(k * n, n) : _plan.SharedValues[input]!.Data;
        }

        /// <summary>Point k's operands as tensors, for ops that only have whole-tensor rules.</summary>
        private Tensor[] PointTensors(int slot, int k)
        {
            var plan = _plan.Plan;
            return plan.Inputs[slot]
                .Select(input => _plan.Varies[input] ? new Tensor(plan.Shapes[input], PointOf(input, k).ToArray()) : _plan.SharedValues[input]!)
                .ToArray();
        }

        /// <summary>Runs one node's rule for the chunk, naming the node if an operand's values are out of its op's domain.</summary>
        private bool Guard(int slot, int start, Func<bool> rule)
        {
            try
            {
                return rule();
            }
            catch (InvalidOperandException e)
            {
                throw new EvaluationException(_plan.Plan.Ids[slot], $"{_plan.Plan.Ops[slot].Name} in the chunk from point {start}: {e.Message}", e);
            }
        }

        private void Guard(int slot, int start, Action rule) => Guard(slot, start, () =>
        {
            rule();
            return true;
        });
    }
}
