namespace GraphGrpc.Engine.Batch;

/// <summary>
/// Which scratch buffer holds each slot's chunk of values and of gradient, as a register allocator
/// assigns registers: a value lives from its forward step to its last reader (forward, or a backward rule
/// that its op declares reads it), a gradient from its first share to its last reader, and buffers whose
/// lifetimes do not meet are one buffer. A chunk's working set is then what is alive at once, not every
/// slot, so more points fit in cache. Slots held in a caller's column get no buffer.
/// </summary>
internal sealed class ChunkBufferAssignment
{
    private ChunkBufferAssignment(int[] valueBuffers, int[] gradientBuffers, int[] bufferSizes)
    {
        ValueBuffers = valueBuffers;
        GradientBuffers = gradientBuffers;
        BufferSizes = bufferSizes;
        ElementsPerPoint = bufferSizes.Sum(size => (long)size);
    }

    /// <summary>The buffer of each slot's values; −1 for slots with none.</summary>
    public int[] ValueBuffers { get; }

    /// <summary>The buffer of each slot's own gradient storage; −1 for slots with none.</summary>
    public int[] GradientBuffers { get; }

    /// <summary>Elements per point of each buffer.</summary>
    public int[] BufferSizes { get; }

    /// <summary>All buffers' elements per point together.</summary>
    public long ElementsPerPoint { get; }

    public static ChunkBufferAssignment Create(BatchPlan plan)
    {
        var count = plan.Plan.Count;
        var schedule = plan.Backward;
        var forwardTime = new int[count];
        Array.Fill(forwardTime, -1);
        for (var f = 0; f < plan.ForwardSlots.Length; f++)
        {
            forwardTime[plan.ForwardSlots[f]] = f;
        }
        var seedTime = plan.ForwardSlots.Length;
        int VisitTime(int v) => seedTime + 1 + v;
        var endTime = VisitTime(schedule.Visits.Length);

        // Values: from the forward step to the last forward or backward reader.
        var valueEnd = (int[])forwardTime.Clone();
        foreach (var slot in plan.ForwardSlots)
        {
            foreach (var input in plan.Plan.Inputs[slot])
            {
                valueEnd[input] = Math.Max(valueEnd[input], forwardTime[slot]);
            }
        }
        for (var v = 0; v < schedule.Visits.Length; v++)
        {
            var slot = schedule.Visits[v].Slot;
            var step = plan.Steps[slot]!;
            if (step.ReadsOutputBackward)
            {
                valueEnd[slot] = Math.Max(valueEnd[slot], VisitTime(v));
            }
            if (step.ReadsInputsBackward)
            {
                foreach (var input in plan.Plan.Inputs[slot])
                {
                    valueEnd[input] = Math.Max(valueEnd[input], VisitTime(v));
                }
            }
        }

        // Gradient storage, by the slot that owns it: from the first share written into it to its last reader.
        var gradientStart = new int[count];
        var gradientEnd = new int[count];
        Array.Fill(gradientStart, -1);
        Array.Fill(gradientEnd, -1);
        void Use(int owner, int time)
        {
            gradientStart[owner] = gradientStart[owner] < 0 ? time : Math.Min(gradientStart[owner], time);
            gradientEnd[owner] = Math.Max(gradientEnd[owner], time);
        }
        foreach (var seed in schedule.Seeds)
        {
            Use(seed, seedTime);
        }
        for (var v = 0; v < schedule.Visits.Length; v++)
        {
            var visit = schedule.Visits[v];
            Use(visit.Holder, VisitTime(v));
            foreach (var edge in visit.Edges)
            {
                if (edge.Action != ShareAction.PassThrough)
                {
                    Use(edge.Input, VisitTime(v));
                }
                if (edge.Action == ShareAction.Accumulate)
                {
                    Use(edge.Source, VisitTime(v));
                }
            }
        }
        foreach (var wrt in plan.Wrt)
        {
            if (schedule.Reached[wrt])
            {
                Use(schedule.FinalHolders[wrt], endTime);
            }
        }

        var lifetimes = new List<(int Start, int End, int Slot, bool IsGradient)>();
        for (var slot = 0; slot < count; slot++)
        {
            if (forwardTime[slot] >= 0 && !plan.ValueInColumn[slot])
            {
                lifetimes.Add((forwardTime[slot], valueEnd[slot], slot, false));
            }
            if (gradientStart[slot] >= 0 && !plan.GradientInColumn[slot])
            {
                lifetimes.Add((gradientStart[slot], gradientEnd[slot], slot, true));
            }
        }
        lifetimes.Sort((a, b) => a.Start.CompareTo(b.Start));

        var valueBuffers = new int[count];
        var gradientBuffers = new int[count];
        Array.Fill(valueBuffers, -1);
        Array.Fill(gradientBuffers, -1);
        var sizes = new List<int>();
        // Buffers in use, by the time of their last reader; a buffer is free again only after that time,
        // so a step never writes into a buffer it still reads.
        var busy = new PriorityQueue<int, int>();
        var free = new Dictionary<int, Stack<int>>();
        foreach (var (start, end, slot, isGradient) in lifetimes)
        {
            while (busy.TryPeek(out var done, out var until) && until < start)
            {
                busy.Dequeue();
                (free.TryGetValue(sizes[done], out var stack) ? stack : free[sizes[done]] = new Stack<int>()).Push(done);
            }
            var size = plan.PointSizes[slot];
            if (!(free.TryGetValue(size, out var same) && same.TryPop(out var buffer)))
            {
                buffer = sizes.Count;
                sizes.Add(size);
            }
            busy.Enqueue(buffer, end);
            (isGradient ? gradientBuffers : valueBuffers)[slot] = buffer;
        }
        return new ChunkBufferAssignment(valueBuffers, gradientBuffers, [.. sizes]);
    }
}
