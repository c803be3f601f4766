namespace GraphGrpc.Engine.Ops;

/// <summary>The number of inputs an op takes.</summary>
public readonly record struct Arity(int Count)
{
    public static readonly Arity Leaf = new(0);
    public static readonly Arity Unary = new(1);
    public static readonly Arity Binary = new(2);

    public override string ToString() => Count switch
    {
        0 => "no inputs",
        1 => "1 input",
        _ => $"{Count} inputs",
    };
}
