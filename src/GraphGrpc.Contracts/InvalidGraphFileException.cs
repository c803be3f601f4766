namespace GraphGrpc.Contracts;

/// <summary>A graph file that cannot be read or is not the JSON of a graph.</summary>
public sealed class InvalidGraphFileException(string message, Exception? inner = null) : Exception(message, inner);
