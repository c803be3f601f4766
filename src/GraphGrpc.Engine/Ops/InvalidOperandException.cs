namespace GraphGrpc.Engine.Ops;

/// <summary>Thrown by a forward rule when an operand's values (not its shape) are out of the op's domain, like a class index past the last class.</summary>
public sealed class InvalidOperandException(string message) : Exception(message);
