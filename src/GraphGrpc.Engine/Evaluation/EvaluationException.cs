namespace GraphGrpc.Engine.Evaluation;

/// <summary>A node could not be evaluated with the values it was given, such as a class index out of range.</summary>
public sealed class EvaluationException(string nodeId, string message, Exception? inner = null)
    : Exception($"node '{nodeId}': {message}", inner)
{
    public string NodeId { get; } = nodeId;
}
