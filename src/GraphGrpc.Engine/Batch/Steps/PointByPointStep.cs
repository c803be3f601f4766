using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Batch.Steps;

/// <summary>An op with whole-tensor rules only (matmul, softmax, losses, ...): its Forward and Backward once per point.</summary>
internal sealed class PointByPointStep(BatchPlan plan, int slot, Op op) : ChunkStep(plan, slot)
{
    // Its rules take every operand and the output as tensors, so all of them are kept.
    public override bool ReadsInputsBackward => true;

    public override bool ReadsOutputBackward => true;

    public override void Forward(ChunkColumns chunk)
    {
        var y = chunk.Values(Slot);
        for (var k = 0; k < chunk.Count; k++)
        {
            op.Forward(PointTensors(chunk, k)).Data.CopyTo(y.Slice(k * Size, Size));
        }
    }

    public override void Share(ChunkColumns chunk, int operand, ReadOnlySpan<double> g, Span<double> share)
    {
        var shape = Plan.Plan.Shapes[Slot];
        var inputSize = Plan.PointSizes[Inputs[operand]];
        for (var k = 0; k < chunk.Count; k++)
        {
            var output = Plan.Varies[Slot] ? new Tensor(shape, chunk.PointOf(Slot, k).ToArray()) : Plan.SharedValues[Slot]!;
            var result = op.Backward(operand, PointTensors(chunk, k), output, new Tensor(shape, g.Slice(k * Size, Size).ToArray()))
                ?? throw new InvalidOperationException($"{op.Name} declares a gradient for input {operand} but its backward rule gave none");
            result.Data.CopyTo(share.Slice(k * inputSize, inputSize));
        }
    }

    /// <summary>Point k's operands as tensors (fresh for each call: workers share the step).</summary>
    private Tensor[] PointTensors(ChunkColumns chunk, int k)
    {
        var operands = new Tensor[Inputs.Length];
        for (var i = 0; i < Inputs.Length; i++)
        {
            var input = Inputs[i];
            operands[i] = Plan.Varies[input] ? new Tensor(Plan.Plan.Shapes[input], chunk.PointOf(input, k).ToArray()) : Plan.SharedValues[input]!;
        }
        return operands;
    }
}
