namespace GraphGrpc.Client.Building;

/// <summary>
/// What an op takes as an operand: a node of the same builder, or a double, which the builder adds
/// as a scalar constant. Both convert implicitly, so <c>g.Maximum(x, 0)</c> reads as it should.
/// </summary>
public readonly struct Operand
{
    private Operand(NodeRef? node, double constant, bool isConstant)
    {
        Node = node;
        Constant = constant;
        IsConstant = isConstant;
    }

    /// <summary>The node, when the operand is one; null for a constant, and for a null node (a mistake the builder reports).</summary>
    internal NodeRef? Node { get; }

    internal double Constant { get; }

    internal bool IsConstant { get; }

    public static implicit operator Operand(NodeRef? node) => new(node, 0, isConstant: false);

    public static implicit operator Operand(double constant) => new(null, constant, isConstant: true);

    public override string ToString() => IsConstant ? $"constant {Constant}" : Node?.ToString() ?? "null";
}
