namespace GraphGrpc.Engine.Batch;

/// <summary>What a share does to its operand's gradient.</summary>
internal enum ShareAction
{
    /// <summary>The operand's first share, computed straight into its gradient storage.</summary>
    Write,

    /// <summary>The operand's first share is the node's gradient unchanged: the operand reads it where it is, with no copy.</summary>
    PassThrough,

    /// <summary>A later share, computed aside and added to the gradient so far, into the operand's own storage.</summary>
    Accumulate,
}

/// <summary>One share of a visit: operand number <see cref="Operand"/>, slot <see cref="Input"/>; for an accumulation, <see cref="Source"/> holds the gradient so far.</summary>
internal readonly record struct ShareEdge(int Operand, int Input, ShareAction Action, int Source);

/// <summary>One slot's backward visit: its gradient, final by now, is held in <see cref="Holder"/>'s storage.</summary>
internal readonly record struct BackwardVisit(int Slot, int Holder, ShareEdge[] Edges);

/// <summary>
/// The backward pass of a chunk, planned once per batch plan: Kahn order walked backwards from the outputs,
/// summing where a value fans out, and for each share whether it is written, passed through or added.
/// Each of these depends on the graph alone, so every chunk follows the same schedule, and the buffer
/// assignment can see from it how long each gradient lives.
/// </summary>
internal sealed class BackwardSchedule
{
    private BackwardSchedule(int[] seeds, BackwardVisit[] visits, bool[] reached, int[] holders)
    {
        Seeds = seeds;
        Visits = visits;
        Reached = reached;
        FinalHolders = holders;
    }

    /// <summary>The distinct outputs on the path, whose gradient starts as ones.</summary>
    public int[] Seeds { get; }

    /// <summary>The visits in reverse topological order; slots with no share to send are left out.</summary>
    public BackwardVisit[] Visits { get; }

    /// <summary>Slots that receive a gradient; a wrt slot that does not has gradient zero.</summary>
    public bool[] Reached { get; }

    /// <summary>For each reached slot, the slot whose storage holds its gradient once backward is done.</summary>
    public int[] FinalHolders { get; }

    public static BackwardSchedule Create(BatchPlan plan)
    {
        var count = plan.Plan.Count;
        var reached = new bool[count];
        var holder = Enumerable.Range(0, count).ToArray();
        var seeds = new List<int>();
        foreach (var output in plan.SeededOutputs)
        {
            if (plan.OnPath[output] && !reached[output])
            {
                reached[output] = true;
                seeds.Add(output);
            }
        }

        var visits = new List<BackwardVisit>();
        var edges = new List<ShareEdge>();
        for (var slot = count - 1; slot >= 0; slot--)
        {
            if (!plan.OnPath[slot] || !reached[slot])
            {
                continue;
            }
            var inputs = plan.Plan.Inputs[slot];
            var shapes = inputs.Select(input => plan.Plan.Shapes[input]).ToArray();
            edges.Clear();
            for (var k = 0; k < inputs.Length; k++)
            {
                var input = inputs[k];
                if (!plan.OnPath[input] || !plan.Plan.Ops[slot].HasGradient(k, shapes))
                {
                    continue;
                }
                if (reached[input])
                {
                    edges.Add(new ShareEdge(k, input, ShareAction.Accumulate, holder[input]));
                    holder[input] = input;
                }
                else if (plan.Steps[slot]!.PassesGradientThrough(k) && plan.PointSizes[input] == plan.PointSizes[slot] && !plan.GradientInColumn[input])
                {
                    edges.Add(new ShareEdge(k, input, ShareAction.PassThrough, -1));
                    holder[input] = holder[slot];
                }
                else
                {
                    edges.Add(new ShareEdge(k, input, ShareAction.Write, -1));
                }
                reached[input] = true;
            }
            if (edges.Count > 0)
            {
                visits.Add(new BackwardVisit(slot, holder[slot], [.. edges]));
            }
        }
        return new BackwardSchedule([.. seeds], [.. visits], reached, holder);
    }
}
