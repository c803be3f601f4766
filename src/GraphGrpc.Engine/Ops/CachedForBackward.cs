namespace GraphGrpc.Engine.Ops;

/// <summary>What an op's backward rule reads from the forward pass, as seed 001 tabulates it.</summary>
[Flags]
public enum CachedForBackward
{
    /// <summary>Nothing: the local gradient is a constant (add, sub, neg, sum).</summary>
    Nothing = 0,

    /// <summary>The input values (mul caches both operands).</summary>
    Inputs = 1,

    /// <summary>The output value (exp, sigmoid and tanh take their gradient from it).</summary>
    Output = 2,
}
