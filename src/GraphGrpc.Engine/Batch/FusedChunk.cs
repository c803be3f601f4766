using System.Linq.Expressions;
using GraphGrpc.Engine.Batch.Steps;
using GraphGrpc.Engine.Kernels;
using GraphGrpc.Engine.Ops;

namespace GraphGrpc.Engine.Batch;

/// <summary>
/// A whole plan fused into one loop, planned when the batch plan is made: forward and backward of every
/// step, one vector of points at a time, with every value and gradient a local of the loop (a register,
/// or a stack slot in L1), read from the batch columns once and written to the result columns once.
/// It applies when every step is elementwise over one value per point and its op states its span rules
/// as lane formulas (<see cref="IElementwiseOp.FusedCompute"/>), so each point gets the same operations
/// in the same order as unfused, and the same bits. The points past the last whole vector of a chunk go
/// through the steps one by one.
/// </summary>
internal sealed class FusedChunk
{
    // Compiling the loop takes about 45 ms for 200 nodes and 150 ms for 2,000 here, once per graph and
    // request; beyond this size a plan runs its steps one by one.
    private const int MaxSlots = 2048;

    private readonly Action<double[][], int, int> _loop;

    private FusedChunk(Action<double[][], int, int> loop, int lanes)
    {
        _loop = loop;
        Lanes = lanes;
    }

    /// <summary>Points per vector: the loop takes whole vectors only.</summary>
    public int Lanes { get; }

    /// <summary>
    /// Runs the loop over the whole vectors of points from <paramref name="start"/>, given the batch input
    /// columns, then the output columns, then the gradient columns, in the plan's order; returns how many
    /// points it did.
    /// </summary>
    public int Run(double[][] columns, int start, int count)
    {
        var whole = count - count % Lanes;
        _loop(columns, start, whole);
        return whole;
    }

    /// <summary>The fused loop of <paramref name="plan"/>, or null when some step cannot fuse.</summary>
    public static FusedChunk? TryCreate(BatchPlan plan)
    {
        if (VectorLanes.ForThisMachine() is not { } lanes || !CanFuse(plan))
        {
            return null;
        }
        var columns = Expression.Parameter(typeof(double[][]), "columns");
        var start = Expression.Parameter(typeof(int), "start");
        var count = Expression.Parameter(typeof(int), "count");
        var index = Expression.Variable(typeof(int), "index");
        var end = Expression.Variable(typeof(int), "end");
        var locals = new List<ParameterExpression> { index, end };
        var body = new List<Expression>();
        var slots = plan.Plan.Count;

        var columnCount = plan.BatchInputs.Length + plan.Outputs.Length + plan.Wrt.Length;
        var columnVariables = Enumerable.Range(0, columnCount).Select(c => Expression.Variable(typeof(double[]), $"column{c}")).ToArray();
        var setColumns = columnVariables.Select((variable, c) => (Expression)Expression.Assign(variable, Expression.ArrayIndex(columns, Expression.Constant(c)))).ToList();

        // Values: a batch input's loaded vector, a step's result, or a shared value hoisted into every lane.
        var values = new Expression?[slots];
        for (var i = 0; i < plan.BatchInputs.Length; i++)
        {
            var slot = plan.BatchInputs[i];
            if (values[slot] is null)
            {
                var loaded = Expression.Variable(lanes.VectorType, $"v{slot}");
                locals.Add(loaded);
                body.Add(Expression.Assign(loaded, lanes.Load(columnVariables[i], index)));
                values[slot] = loaded;
            }
        }
        Expression Value(int slot) => values[slot] ??= lanes.Constant(plan.SharedValues[slot]!.Data[0]);
        foreach (var slot in plan.ForwardSlots)
        {
            var inputs = plan.Plan.Inputs[slot];
            var op = (IElementwiseOp)plan.Plan.Ops[slot];
            var value = Expression.Variable(lanes.VectorType, $"v{slot}");
            locals.Add(value);
            body.Add(Expression.Assign(value, op.FusedCompute(lanes, Value(inputs[0]), inputs.Length > 1 ? Value(inputs[1]) : Expression.Empty())!));
            values[slot] = value;
        }

        // Gradients: one local per storage the schedule writes, as the steps would use one buffer each.
        var gradients = new ParameterExpression?[slots];
        ParameterExpression Gradient(int owner)
        {
            if (gradients[owner] is null)
            {
                gradients[owner] = Expression.Variable(lanes.VectorType, $"g{owner}");
                locals.Add(gradients[owner]!);
            }
            return gradients[owner]!;
        }
        var schedule = plan.Backward;
        foreach (var seed in schedule.Seeds)
        {
            body.Add(Expression.Assign(Gradient(seed), lanes.Constant(1)));
        }
        foreach (var visit in schedule.Visits)
        {
            var inputs = plan.Plan.Inputs[visit.Slot];
            var op = (IElementwiseOp)plan.Plan.Ops[visit.Slot];
            var g = Gradient(visit.Holder);
            foreach (var edge in visit.Edges)
            {
                if (edge.Action == ShareAction.PassThrough)
                {
                    continue;
                }
                var share = op.FusedGradient(lanes, edge.Operand, g, Value(inputs[0]), inputs.Length > 1 ? Value(inputs[1]) : Expression.Empty(), Value(visit.Slot))!;
                body.Add(Expression.Assign(Gradient(edge.Input),
                    edge.Action == ShareAction.Write ? share : Expression.Add(Gradient(edge.Source), share)));
            }
        }

        var column = plan.BatchInputs.Length;
        foreach (var output in plan.Outputs)
        {
            body.Add(lanes.Store(Value(output), columnVariables[column++], index));
        }
        foreach (var wrt in plan.Wrt)
        {
            if (plan.IsSummed(wrt))
            {
                // Not reached (or nothing fuses), so its sum stays the zero it starts as.
                column++;
                continue;
            }
            // A wrt node the outputs do not depend on has gradient zero, as for one point.
            var gradient = schedule.Reached[wrt] ? Gradient(schedule.FinalHolders[wrt]) : lanes.Constant(0);
            body.Add(lanes.Store(gradient, columnVariables[column++], index));
        }

        var done = Expression.Label("done");
        body.Add(Expression.AddAssign(index, Expression.Constant(lanes.Count)));
        ParameterExpression[] variables = [.. locals, .. columnVariables, .. lanes.Hoisted];
        Expression[] statements =
        [
            .. setColumns,
            .. lanes.Prologue,
            Expression.Assign(index, start),
            Expression.Assign(end, Expression.Add(start, count)),
            Expression.Loop(Expression.IfThenElse(Expression.LessThan(index, end), Expression.Block(body), Expression.Break(done)), done),
        ];
        var loop = Expression.Block(variables, statements);
        return new FusedChunk(Expression.Lambda<Action<double[][], int, int>>(loop, columns, start, count).Compile(), lanes.Count);
    }

    /// <summary>
    /// Whether every step is chunk-wide elementwise over one value per point with lane formulas for what it
    /// runs, every output and wrt node is one value per point, and no wrt node that gets a gradient sums it
    /// over the points (a sum keeps its point order unfused).
    /// </summary>
    private static bool CanFuse(BatchPlan plan)
    {
        if (plan.Plan.Count > MaxSlots || plan.Wrt.Any(wrt => plan.IsSummed(wrt) && plan.Backward.Reached[wrt])
            || plan.Outputs.Concat(plan.Wrt).Any(slot => plan.PointSizes[slot] != 1)
            || Enumerable.Range(0, plan.Plan.Count).Any(slot => plan.Varies[slot] && plan.PointSizes[slot] != 1))
        {
            return false;
        }
        var probe = VectorLanes.ForThisMachine()!;
        var x = Expression.Parameter(probe.VectorType);
        for (var slot = 0; slot < plan.Plan.Count; slot++)
        {
            if (plan.Steps[slot] is null)
            {
                continue;
            }
            // A shared slot on the path runs its elementwise rule per point; with one value per point, that is one lane.
            var op = plan.Steps[slot] is ElementwiseStep or PointwiseElementwiseStep ? plan.Plan.Ops[slot] as IElementwiseOp : null;
            if (op is null || plan.PointSizes[slot] != 1 || plan.Plan.Inputs[slot].Any(input => plan.PointSizes[input] != 1)
                || op.FusedCompute(probe, x, x) is null)
            {
                return false;
            }
            for (var k = 0; k < plan.Plan.Inputs[slot].Length; k++)
            {
                if (plan.OnPath[slot] && op.FusedGradient(probe, k, x, x, x, x) is null)
                {
                    return false;
                }
            }
        }
        return true;
    }
}
