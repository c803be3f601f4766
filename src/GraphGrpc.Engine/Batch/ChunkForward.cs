using GraphGrpc.Engine.Ops;

namespace GraphGrpc.Engine.Batch;

/// <summary>A chunk's forward pass: each varying slot's step in Kahn order.</summary>
internal static class ChunkForward
{
    public static void Run(BatchPlan plan, ChunkColumns chunk, CancellationToken cancellationToken)
    {
        foreach (var slot in plan.ForwardSlots)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                plan.Steps[slot]!.Forward(chunk);
            }
            catch (InvalidOperandException e)
            {
                throw chunk.Failed(slot, e);
            }
        }
    }
}
