using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Ops.Normalization;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Losses;

/// <summary>
/// Cross entropy of logits [N, C] (or [C], one sample) against either class indices [N] (or [])
/// or class probabilities shaped like the logits, folded over the N samples. It is
/// log_softmax followed by the negative log likelihood, and its gradients flow through both.
/// </summary>
public sealed class CrossEntropyOp(LossReduction reduction) : Op
{
    public LossReduction Reduction { get; } = reduction;

    public override string Name => "cross_entropy";

    public override Arity Arity => Arity.Binary;

    public override CachedForBackward Cached => CachedForBackward.Inputs | CachedForBackward.Output;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs)
    {
        var (logits, target) = (inputs[0], inputs[1]);
        if (logits.Length is < 1 or > 2)
        {
            throw new ShapeException($"logits must be [N, C] or [C], not {Shapes.Format(logits)}");
        }
        var isIndices = target.Length == logits.Length - 1 && (logits.Length == 1 || target[0] == logits[0]);
        if (!isIndices && !Shapes.SameShape(logits, target))
        {
            throw new ShapeException(
                $"target {Shapes.Format(target)} fits neither class indices {Shapes.Format(logits.AsSpan(0, logits.Length - 1))} nor probabilities {Shapes.Format(logits)}");
        }
        return [];
    }

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var (logits, target) = (inputs[0], inputs[1]);
        var logp = LogSoftmaxOp.Compute(logits, -1);
        var weights = TargetWeights(logits, target);
        var sum = 0.0;
        for (var i = 0; i < logp.Length; i++)
        {
            if (weights[i] != 0)
            {
                sum += weights[i] * logp.Data[i];
            }
        }
        return Tensor.Scalar(-sum / Normalizer(logits));
    }

    public override Tensor? Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var (logits, target) = (inputs[0], inputs[1]);
        var scale = gradient.Data[0] / Normalizer(logits);
        var logp = LogSoftmaxOp.Compute(logits, -1);
        if (input == 1)
        {
            if (IsIndices(logits.Shape, target.Shape))
            {
                return null;
            }
            var dt = new double[logp.Length];
            for (var i = 0; i < dt.Length; i++)
            {
                dt[i] = -logp.Data[i] * scale;
            }
            return new Tensor(target.Shape, dt);
        }
        var weights = TargetWeights(logits, target);
        var dlogp = new double[logp.Length];
        for (var i = 0; i < dlogp.Length; i++)
        {
            dlogp[i] = -weights[i] * scale;
        }
        return LogSoftmaxOp.Gradient(logp, new Tensor(logits.Shape, dlogp), -1);
    }

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit)
    {
        var (logits, target) = (inputs[0], inputs[1]);
        var logp = emit.LogSoftmax(logits, -1);
        var scale = emit.Div(gradient, emit.Constant(Normalizer(logits.Shape), []));
        if (input == 1)
        {
            return IsIndices(logits.Shape, target.Shape) ? null : emit.Mul(emit.Neg(logp), scale);
        }
        return LogSoftmaxOp.SymbolicGradient(emit, logp, emit.Mul(emit.Neg(Weights(emit, logits, target)), scale), -1);
    }

    // d(-Σ w · logp / N) = -(Σ w · dlogp + Σ dw · logp) / N, where class indices have no tangent.
    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit)
    {
        var (logits, target) = (inputs[0], inputs[1]);
        var logp = emit.LogSoftmax(logits, -1);
        var viaLogits = emit.Mul(Weights(emit, logits, target), LogSoftmaxOp.SymbolicJvp(emit, logp, tangents[0], -1));
        var viaTarget = IsIndices(logits.Shape, target.Shape) ? null : emit.Mul(tangents[1], logp);
        var sum = emit.Add(emit.Sum(viaLogits, [], keepDims: false), emit.Sum(viaTarget, [], keepDims: false));
        return emit.Div(emit.Neg(sum), emit.Constant(Normalizer(logits.Shape), []));
    }

    /// <summary>
    /// <see cref="TargetWeights"/> with graph ops: probabilities as they are; class indices as one-hot rows,
    /// 1 - sign(|index - class|) against the constant 0, 1, ..., C-1.
    /// </summary>
    private static SymbolicTensor Weights(GraphEmitter emit, SymbolicTensor logits, SymbolicTensor target)
    {
        if (!IsIndices(logits.Shape, target.Shape))
        {
            return target;
        }
        var classes = logits.Shape[^1];
        var labels = emit.Constant(new Tensor([classes], [.. Enumerable.Range(0, classes).Select(c => (double)c)]));
        var column = emit.Reshape(target, [.. target.Shape, 1])!;
        return emit.Sub(emit.Constant(1, []), emit.Sign(emit.Abs(emit.Sub(column, labels)!)))!;
    }

    private double Normalizer(int[] logits) =>
        Reduction == LossReduction.Mean && logits.Length == 2 ? logits[0] : 1;

    private double Normalizer(Tensor logits) =>
        Reduction == LossReduction.Mean && logits.Rank == 2 ? logits.Shape[0] : 1;

    // Class indices get no gradient.
    public override bool HasGradient(int input, ReadOnlySpan<int[]> inputShapes) => input == 0 || !IsIndices(inputShapes[0], inputShapes[1]);

    private static bool IsIndices(int[] logits, int[] target) => target.Length == logits.Length - 1;

    /// <summary>The target as a weight per logit: one-hot rows for class indices, the probabilities as they are.</summary>
    private static double[] TargetWeights(Tensor logits, Tensor target)
    {
        if (!IsIndices(logits.Shape, target.Shape))
        {
            return target.Data;
        }
        var classes = logits.Shape[^1];
        var weights = new double[logits.Length];
        for (var n = 0; n < target.Length; n++)
        {
            var label = target.Data[n];
            if (label != Math.Floor(label) || label < 0 || label >= classes)
            {
                throw new InvalidOperandException(
                    $"class index {label} at position {n} is not a whole number in [0, {classes})");
            }
            weights[n * classes + (int)label] = 1;
        }
        return weights;
    }
}
