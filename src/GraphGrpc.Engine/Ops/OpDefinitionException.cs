using GraphGrpc.Engine.Validation;

namespace GraphGrpc.Engine.Ops;

/// <summary>Thrown when a node's op cannot be built: no op, an op with no rule, or an unusable leaf value.</summary>
public sealed class OpDefinitionException(ProblemKind kind, string message) : Exception(message)
{
    public ProblemKind Kind { get; } = kind;
}
