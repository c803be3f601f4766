using GraphGrpc.Engine.Ops.Elementwise;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Ops.LinearAlgebra;
using GraphGrpc.Engine.Ops.Losses;
using GraphGrpc.Engine.Ops.Movement;
using GraphGrpc.Engine.Ops.Normalization;
using GraphGrpc.Engine.Ops.Reductions;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;
using OpCase = GraphGrpc.Contracts.V1.Node.OpOneofCase;

namespace GraphGrpc.Engine.Ops;

/// <summary>
/// The one table of ops: each entry turns a node's typed op into the <see cref="Op"/> that holds its
/// rules. Adding an op means adding its class and one line here. A node whose op has no entry fails
/// compilation with the op named.
/// </summary>
public static class OpTable
{
    private static readonly Dictionary<OpCase, Func<Proto.Node, long, Op>> Factories = new()
    {
        [OpCase.Input] = (node, maxElements) => Leaf(node.Input.Value, isVariable: true, maxElements),
        [OpCase.Constant] = (node, maxElements) => Leaf(node.Constant.Value, isVariable: false, maxElements),

        [OpCase.Add] = Shared(new AddOp()),
        [OpCase.Sub] = Shared(new SubOp()),
        [OpCase.Mul] = Shared(new MulOp()),
        [OpCase.Div] = Shared(new DivOp()),
        [OpCase.Pow] = (node, _) => node.Pow.Exponent is { } exponent ? new PowScalarOp(exponent) : new PowOp(),
        [OpCase.Maximum] = Shared(new MaximumOp()),
        [OpCase.Minimum] = Shared(new MinimumOp()),

        [OpCase.Neg] = Shared(new NegOp()),
        [OpCase.Exp] = Shared(new ExpOp()),
        [OpCase.Log] = Shared(new LogOp()),
        [OpCase.Sqrt] = Shared(new SqrtOp()),
        [OpCase.Square] = Shared(new SquareOp()),
        [OpCase.Abs] = Shared(new AbsOp()),
        [OpCase.Sin] = Shared(new SinOp()),
        [OpCase.Cos] = Shared(new CosOp()),
        [OpCase.Tanh] = Shared(new TanhOp()),
        [OpCase.Sigmoid] = Shared(new SigmoidOp()),
        [OpCase.Relu] = Shared(new ReluOp()),
        [OpCase.Sign] = Shared(new SignOp()),
        [OpCase.Identity] = Shared(new IdentityOp()),

        [OpCase.Matmul] = Shared(new MatMulOp()),
        [OpCase.Transpose] = (node, _) => new TransposeOp([.. node.Transpose.Perm]),
        [OpCase.Reshape] = (node, _) => new ReshapeOp([.. node.Reshape.Shape]),
        [OpCase.BroadcastTo] = (node, _) => new BroadcastToOp(BroadcastShape(node.BroadcastTo.Shape)),

        [OpCase.Sum] = (node, _) => new ReduceOp(mean: false, [.. node.Sum.Axes], node.Sum.KeepDims),
        [OpCase.Mean] = (node, _) => new ReduceOp(mean: true, [.. node.Mean.Axes], node.Mean.KeepDims),

        [OpCase.Softmax] = (node, _) => new SoftmaxOp(node.Softmax.Axis),
        [OpCase.LogSoftmax] = (node, _) => new LogSoftmaxOp(node.LogSoftmax.Axis),
        [OpCase.Mse] = (node, _) => new MseOp(LossReductions.FromProto(node.Mse.Reduction)),
        [OpCase.CrossEntropy] = (node, _) => new CrossEntropyOp(LossReductions.FromProto(node.CrossEntropy.Reduction)),
    };

    /// <summary>Every op the table knows, by its case in the proto.</summary>
    public static IReadOnlyCollection<OpCase> Known => Factories.Keys;

    /// <summary>
    /// The op for a node. Throws <see cref="OpDefinitionException"/> when the node has no op, an op
    /// with no rule, or attributes or a leaf value that cannot be used.
    /// </summary>
    public static Op Create(Proto.Node node, long maxElements = long.MaxValue)
    {
        if (node.OpCase == OpCase.None)
        {
            throw new OpDefinitionException(ProblemKind.MissingOp, "has no op");
        }
        if (!Factories.TryGetValue(node.OpCase, out var factory))
        {
            throw new OpDefinitionException(ProblemKind.UnknownOp, $"op '{node.OpCase}' has no rule in the op table");
        }
        return factory(node, maxElements);
    }

    /// <summary>An op with no attributes, one instance for every node: its rules keep no state, and a million-node graph needs no million copies.</summary>
    private static Func<Proto.Node, long, Op> Shared(Op op) => (_, _) => op;

    private static int[] BroadcastShape(IList<long> shape) =>
        shape.Any(dim => dim is < 0 or > int.MaxValue)
            ? throw new OpDefinitionException(ProblemKind.InvalidValue, $"broadcast_to shape [{string.Join(", ", shape)}] has a dimension that is negative or too large")
            : [.. shape.Select(dim => (int)dim)];

    private static LeafOp Leaf(Proto.Tensor? value, bool isVariable, long maxElements)
    {
        if (value is null)
        {
            throw new OpDefinitionException(ProblemKind.MissingValue, $"{(isVariable ? "input" : "constant")} has no value");
        }
        try
        {
            return new LeafOp(TensorProtos.FromProto(value, maxElements), isVariable);
        }
        catch (InvalidTensorException e)
        {
            throw new OpDefinitionException(e.IsLimit ? ProblemKind.LimitExceeded : ProblemKind.InvalidValue, $"value is invalid: {e.Message}");
        }
    }
}
