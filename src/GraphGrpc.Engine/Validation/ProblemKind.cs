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
}
