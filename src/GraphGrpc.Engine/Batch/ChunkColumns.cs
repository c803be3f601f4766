using GraphGrpc.Engine.Evaluation;

namespace GraphGrpc.Engine.Batch;

/// <summary>
/// Where a chunk's values and gradients live, slot by slot: in the caller's columns (a batch input's
/// values, an output's values, a wrt node's per-point gradient), read and written there in place with
/// no copy in or out, or in the worker's scratch buffers. It also writes a finished chunk's results
/// into the result columns.
/// </summary>
internal sealed class ChunkColumns
{
    private readonly BatchPlan _plan;
    private readonly int[] _sizes;
    private readonly double[][] _buffers;
    private readonly double[] _share;
    private readonly double[] _wide;
    private readonly double[][] _outputs;
    private readonly double[][] _gradients;

    /// <summary>The caller's column holding a slot's values or gradient, indexed from the batch's first point; null for scratch.</summary>
    private readonly double[]?[] _valueColumns;
    private readonly double[]?[] _gradientColumns;

    public ChunkColumns(BatchPlan plan, ChunkBuffers buffers, IReadOnlyList<double[]> inputs, double[][] outputs, double[][] gradients)
    {
        _plan = plan;
        _sizes = plan.PointSizes;
        _buffers = buffers.Buffers;
        _share = buffers.Share;
        _wide = buffers.Wide;
        _outputs = outputs;
        _gradients = gradients;
        _valueColumns = new double[]?[plan.Plan.Count];
        _gradientColumns = new double[]?[plan.Plan.Count];
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
                _gradientColumns[plan.Wrt[w]] ??= gradients[w];
            }
        }
    }

    /// <summary>The index of the chunk's first point in the batch.</summary>
    public int Start { get; private set; }

    /// <summary>Points in the chunk.</summary>
    public int Count { get; private set; }

    public void Begin(int start, int count)
    {
        Start = start;
        Count = count;
    }

    /// <summary>This chunk's values of a slot that varies.</summary>
    public Span<double> Values(int slot)
    {
        var n = _sizes[slot];
        return _valueColumns[slot] is { } column
            ? column.AsSpan(Start * n, Count * n)
            : _buffers[_plan.Buffers.ValueBuffers[slot]].AsSpan(0, Count * n);
    }

    /// <summary>A whole chunk's worth of an operand: every point's elements, or the one shared value standing for all.</summary>
    public ReadOnlySpan<double> Operand(int slot) => _plan.Varies[slot] ? Values(slot) : _plan.SharedValues[slot]!.Data;

    /// <summary>Point k's elements of a slot, varying or shared.</summary>
    public ReadOnlySpan<double> PointOf(int slot, int k)
    {
        var n = _sizes[slot];
        return _plan.Varies[slot] ? Values(slot).Slice(k * n, n) : _plan.SharedValues[slot]!.Data;
    }

    /// <summary>This chunk's gradient storage owned by a slot: its column, or its buffer.</summary>
    public Span<double> GradientStorage(int slot)
    {
        var n = _sizes[slot];
        return _gradientColumns[slot] is { } column
            ? column.AsSpan(Start * n, Count * n)
            : _buffers[_plan.Buffers.GradientBuffers[slot]].AsSpan(0, Count * n);
    }

    /// <summary>Room for one share of <paramref name="length"/> elements, to add to a gradient.</summary>
    public Span<double> Share(int length) => _share.AsSpan(0, length);

    /// <summary>Room for a share before it is summed over a broadcast.</summary>
    public Span<double> Wide(int length) => _wide.AsSpan(0, length);

    /// <summary>The outputs' values into their columns, where they were not computed there.</summary>
    public void WriteOutputs()
    {
        for (var o = 0; o < _plan.Outputs.Length; o++)
        {
            var output = _plan.Outputs[o];
            if (_valueColumns[output] == _outputs[o])
            {
                continue;
            }
            var n = _sizes[output];
            var column = _outputs[o].AsSpan(Start * n, Count * n);
            if (_plan.Varies[output])
            {
                Values(output).CopyTo(column);
            }
            else
            {
                for (var k = 0; k < Count; k++)
                {
                    _plan.SharedValues[output]!.Data.CopyTo(column.Slice(k * n, n));
                }
            }
        }
    }

    /// <summary>
    /// Each wrt node's gradient into its column, where it was not computed there, or for a summed one,
    /// its sum over the chunk's points, in point order, into <paramref name="sums"/> (each summed wrt node's
    /// elements one after another).
    /// </summary>
    public void WriteGradients(Span<double> sums)
    {
        var schedule = _plan.Backward;
        var offset = 0;
        for (var w = 0; w < _plan.Wrt.Length; w++)
        {
            var wrt = _plan.Wrt[w];
            var n = _sizes[wrt];
            var reached = schedule.Reached[wrt];
            ReadOnlySpan<double> gradient = reached ? GradientStorage(schedule.FinalHolders[wrt]) : default;
            if (_plan.IsSummed(wrt))
            {
                var sum = sums.Slice(offset, n);
                offset += n;
                for (var k = 0; k < Count && reached; k++)
                {
                    for (var i = 0; i < n; i++)
                    {
                        sum[i] += gradient[k * n + i];
                    }
                }
                continue;
            }
            var column = _gradients[w].AsSpan(Start * n, Count * n);
            if (!reached)
            {
                // Asked for, but the outputs do not depend on it: zero, as for one point.
                column.Clear();
            }
            else if (!gradient.Overlaps(column))
            {
                gradient.CopyTo(column);
            }
        }
    }

    /// <summary>Names the node whose rule failed in this chunk.</summary>
    public EvaluationException Failed(int slot, Exception e) =>
        new(_plan.Plan.Ids[slot], $"{_plan.Plan.Ops[slot].Name} in the chunk from point {Start}: {e.Message}", e);
}
