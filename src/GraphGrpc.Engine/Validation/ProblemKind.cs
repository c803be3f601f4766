namespace GraphGrpc.Engine.Validation;

/// <summary>What is wrong with a graph or a request, one kind per distinct mistake a client can make.</summary>
public enum ProblemKind
{
    EmptyId,
    DuplicateId,
    MissingOp,
    UnknownOp,
    UnknownInput,
    WrongArity,
    MissingValue,
    InvalidValue,
    ShapeMismatch,
    Cycle,
    UnknownOutput,
    UnknownWrt,
    InvalidSeed,
    LimitExceeded,

    /// <summary>An operand's values are outside its op's domain, found while evaluating (a class index out of range).</summary>
    InvalidOperand,

    /// <summary>A request lists a node, for its values or gradients, that is not in the graph.</summary>
    UnknownNode,
}
