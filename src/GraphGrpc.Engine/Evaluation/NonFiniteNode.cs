namespace GraphGrpc.Engine.Evaluation;

/// <summary>Where a NaN or infinity first appeared, as PyTorch's anomaly mode reports it.</summary>
public sealed record NonFiniteNode(string NodeId, EvaluationPhase Phase)
{
    public override string ToString() => $"node '{NodeId}' has a non-finite {(Phase == EvaluationPhase.Forward ? "value" : "gradient")}";
}

public enum EvaluationPhase
{
    Forward,
    Backward,
}
