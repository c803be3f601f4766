using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Ops.Losses;

/// <summary>How a loss folds its terms into one scalar: the mean (the default, as in PyTorch) or the sum.</summary>
public enum LossReduction
{
    Mean,
    Sum,
}

internal static class LossReductions
{
    public static LossReduction FromProto(Proto.Reduction reduction) => reduction switch
    {
        Proto.Reduction.Unspecified or Proto.Reduction.Mean => LossReduction.Mean,
        Proto.Reduction.Sum => LossReduction.Sum,
        _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction"),
    };
}
