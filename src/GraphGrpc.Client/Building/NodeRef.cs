namespace GraphGrpc.Client.Building;

/// <summary>
/// A node of a <see cref="GraphBuilder"/>: its id names it in requests and results. Nodes combine
/// with <c>+ - * /</c> and unary minus, and a double on either side becomes a constant node, so
/// <c>3 * x * x + 5 * x * y</c> builds the graph it reads as.
/// </summary>
public sealed class NodeRef
{
    internal NodeRef(GraphBuilder builder, string id, string op)
    {
        Builder = builder;
        Id = id;
        Op = op;
    }

    /// <summary>The node's id: the one given when it was added, or one made from its op ("mul_1", "mul_2", ...).</summary>
    public string Id { get; }

    /// <summary>The op's field name in graph.proto, e.g. <c>mul</c> or <c>log_softmax</c>.</summary>
    public string Op { get; }

    internal GraphBuilder Builder { get; }

    public override string ToString() => $"{Op} '{Id}'";

    public static NodeRef operator +(NodeRef a, NodeRef b) => BuilderOf(a, b).Add(a, b);

    public static NodeRef operator +(NodeRef a, double b) => BuilderOf(a).Add(a, b);

    public static NodeRef operator +(double a, NodeRef b) => BuilderOf(b).Add(a, b);

    public static NodeRef operator -(NodeRef a, NodeRef b) => BuilderOf(a, b).Sub(a, b);

    public static NodeRef operator -(NodeRef a, double b) => BuilderOf(a).Sub(a, b);

    public static NodeRef operator -(double a, NodeRef b) => BuilderOf(b).Sub(a, b);

    public static NodeRef operator *(NodeRef a, NodeRef b) => BuilderOf(a, b).Mul(a, b);

    public static NodeRef operator *(NodeRef a, double b) => BuilderOf(a).Mul(a, b);

    public static NodeRef operator *(double a, NodeRef b) => BuilderOf(b).Mul(a, b);

    public static NodeRef operator /(NodeRef a, NodeRef b) => BuilderOf(a, b).Div(a, b);

    public static NodeRef operator /(NodeRef a, double b) => BuilderOf(a).Div(a, b);

    public static NodeRef operator /(double a, NodeRef b) => BuilderOf(b).Div(a, b);

    public static NodeRef operator -(NodeRef x) => BuilderOf(x).Neg(x);

    /// <summary>An operator finds its builder through either node; the builder then reports a null or foreign operand.</summary>
    private static GraphBuilder BuilderOf(NodeRef? a, NodeRef? b = null) =>
        (a ?? b)?.Builder ?? throw new ArgumentNullException(null, "an operator on nodes was given null for its node");
}
