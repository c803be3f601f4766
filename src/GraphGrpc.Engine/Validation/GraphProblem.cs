namespace GraphGrpc.Engine.Validation;

/// <summary>One problem found in a graph or a request: the node it concerns, its kind, and a sentence saying what is wrong.</summary>
public sealed record GraphProblem(string NodeId, ProblemKind Kind, string Message)
{
    public override string ToString() => NodeId.Length > 0 ? $"node '{NodeId}': {Message}" : Message;
}
