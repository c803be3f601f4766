namespace GraphGrpc.Contracts;

/// <summary>
/// A graph file that cannot be read or is not the JSON of a graph. When the fault has a place, the
/// exception says where: the line and column (from 1), and the node (its index from 0, and its id
/// when it has one).
/// </summary>
public sealed class InvalidGraphFileException(string message, Exception? inner = null) : Exception(message, inner)
{
    public int? Line { get; init; }

    public int? Column { get; init; }

    public int? NodeIndex { get; init; }

    public string? NodeId { get; init; }
}
