namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// A node of a graph being built by a <see cref="GraphEmitter"/>: a node of the original graph or one the
/// emitter added. Symbolic rules take and return these; null stands for a tensor of zeros, which the
/// emitter never materialises unless a sink needs it.
/// </summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(int index, int[] shape)
    {
        Index = index;
        Shape = shape;
    }

    /// <summary>The node's place in the emitter: original slots first, then added nodes in the order added.</summary>
    internal int Index { get; }

    public int[] Shape { get; }
}
