using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Ops.Elementwise;

namespace GraphGrpc.Engine.Batch;

/// <summary>A chunk's backward pass, as the plan's <see cref="BackwardSchedule"/> lays it out: seeds of one, then each visit's shares.</summary>
internal static class ChunkBackward
{
    public static void Run(BatchPlan plan, ChunkColumns chunk, CancellationToken cancellationToken)
    {
        var schedule = plan.Backward;
        foreach (var seed in schedule.Seeds)
        {
            chunk.GradientStorage(seed).Fill(1);
        }
        foreach (var visit in schedule.Visits)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = plan.Steps[visit.Slot]!;
            ReadOnlySpan<double> g = chunk.GradientStorage(visit.Holder);
            try
            {
                foreach (var edge in visit.Edges)
                {
                    switch (edge.Action)
                    {
                        case ShareAction.Write:
                            step.Share(chunk, edge.Operand, g, chunk.GradientStorage(edge.Input));
                            break;
                        case ShareAction.Accumulate:
                            var total = chunk.GradientStorage(edge.Input);
                            var share = chunk.Share(total.Length);
                            step.Share(chunk, edge.Operand, g, share);
                            VectorArithmetic.Add(chunk.GradientStorage(edge.Source), share, total);
                            break;
                    }
                }
            }
            catch (InvalidOperandException e)
            {
                throw chunk.Failed(visit.Slot, e);
            }
        }
    }
}
