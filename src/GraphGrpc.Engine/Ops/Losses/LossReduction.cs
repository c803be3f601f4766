using GraphGrpc.Engine.Validation;
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
        // A client can send any number on the wire; an undefined one is the client's mistake, not ours.
        _ => throw new OpDefinitionException(ProblemKind.InvalidValue,
            $"reduction {(int)reduction} is not one of REDUCTION_UNSPECIFIED, REDUCTION_MEAN, REDUCTION_SUM"),
    };
}
