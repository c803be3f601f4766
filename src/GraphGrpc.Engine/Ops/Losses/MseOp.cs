using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Losses;

/// <summary>The squared error between a prediction and a target, which broadcast together, folded to a scalar.</summary>
public sealed class MseOp(LossReduction reduction) : Op
{
    public LossReduction Reduction { get; } = reduction;

    public override string Name => "mse";

    public override Arity Arity => Arity.Binary;

    public override CachedForBackward Cached => CachedForBackward.Inputs;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs)
    {
        Shapes.Broadcast(inputs[0], inputs[1]);
        return [];
    }

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var diff = Difference(inputs[0], inputs[1]);
        var sum = 0.0;
        foreach (var d in diff.Data)
        {
            sum += d * d;
        }
        return Tensor.Scalar(Reduction == LossReduction.Mean ? sum / diff.Length : sum);
    }

    // mse_loss_backward: (self - target) * norm * grad, with norm = 2/N for the mean and 2 for the sum;
    // the target's gradient is its negation.
    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var diff = Difference(inputs[0], inputs[1]);
        var norm = Reduction == LossReduction.Mean ? 2.0 / diff.Length : 2.0;
        var g = gradient.Data[0];
        var full = new double[diff.Length];
        for (var i = 0; i < full.Length; i++)
        {
            var d = diff.Data[i] * norm * g;
            full[i] = input == 0 ? d : -d;
        }
        return Broadcasting.SumTo(new Tensor(diff.Shape, full), inputs[input].Shape);
    }

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit)
    {
        var (prediction, target) = (inputs[0], inputs[1]);
        var diff = emit.Sub(prediction, target);
        var share = emit.Mul(emit.Scale(diff, Norm(prediction, target)), gradient);
        return input == 0 ? emit.SumTo(share, prediction.Shape) : emit.Neg(emit.SumTo(share, target.Shape));
    }

    // d(Σ (p - t)² · norm / 2) = norm · Σ (p - t)(dp - dt)
    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit)
    {
        var (prediction, target) = (inputs[0], inputs[1]);
        var diff = emit.Sub(prediction, target);
        return emit.Scale(emit.Sum(emit.Mul(diff, emit.Sub(tangents[0], tangents[1])), [], keepDims: false), Norm(prediction, target));
    }

    /// <summary>2/N for the mean over N elements, 2 for the sum.</summary>
    private double Norm(SymbolicTensor prediction, SymbolicTensor target) =>
        Reduction == LossReduction.Mean ? 2.0 / Shapes.ElementCount(Shapes.Broadcast(prediction.Shape, target.Shape)) : 2.0;

    private static Tensor Difference(Tensor prediction, Tensor target)
    {
        var shape = Shapes.Broadcast(prediction.Shape, target.Shape);
        var (p, t) = (Broadcasting.Expand(prediction, shape), Broadcasting.Expand(target, shape));
        var diff = new double[p.Length];
        for (var i = 0; i < diff.Length; i++)
        {
            diff[i] = p.Data[i] - t.Data[i];
        }
        return new Tensor(shape, diff);
    }
}
