namespace GraphGrpc.Engine.Tensors;

/// <summary>Thrown by a shape rule when its operands do not fit; validation turns it into a problem on the node.</summary>
public sealed class ShapeException(string message) : Exception(message);
