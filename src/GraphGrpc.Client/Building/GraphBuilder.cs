using GraphGrpc.Contracts;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Client.Building;

/// <summary>
/// Builds a <see cref="Proto.Graph"/> node by node. Every op of graph.proto has a method here, and
/// nodes combine with operators:
/// <code>
/// var g = new GraphBuilder();
/// var x = g.Input("x", 2);
/// var y = g.Input("y", 3);
/// var z = g.Log(3 * g.Square(x) + 5 * x * y, id: "z");
/// </code>
/// Each method takes an optional id; without one, the node gets its op's name and a number
/// (<c>mul_1</c>, <c>mul_2</c>, ...) that no other node has. A double where an operand is expected
/// becomes a scalar constant node. Mistakes the builder can see (a repeated id, a node of another
/// builder, data that does not fill its shape) throw <see cref="ArgumentException"/> and leave the
/// builder as it was; the rest (shapes that cannot broadcast, say) are the server's to report.
/// </summary>
public sealed class GraphBuilder
{
    private readonly List<NodeRef> _nodes = [];
    private readonly List<Proto.Node> _messages = [];
    private readonly Dictionary<string, NodeRef> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<NodeRef, Proto.Node> _messageOf = [];
    private readonly Dictionary<string, int> _idsMadePerOp = new(StringComparer.Ordinal);

    /// <summary>The nodes in the order they were added, which is a topological order.</summary>
    public IReadOnlyList<NodeRef> Nodes => _nodes;

    /// <summary>The node with this id; throws <see cref="KeyNotFoundException"/> naming it when there is none.</summary>
    public NodeRef this[string id] =>
        _byId.TryGetValue(id, out var node) ? node : throw new KeyNotFoundException($"the graph has no node '{id}'");

    public bool Contains(string id) => _byId.ContainsKey(id);

    /// <summary>The graph as a message; a copy, so changing it leaves the builder and later graphs alone.</summary>
    public Proto.Graph ToGraph()
    {
        var graph = new Proto.Graph();
        graph.Nodes.Add(_messages.Select(message => message.Clone()));
        return graph;
    }

    /// <summary>The graph as a graph file: protobuf JSON, which <c>graphgrpc eval</c> reads.</summary>
    public string ToJson() => GraphFiles.Format(ToGraph());

    // Leaves.

    /// <summary>A scalar variable: its gradient can be asked for. An input needs an id, by which requests name it.</summary>
    public NodeRef Input(string id, double value) => Input(id, [value], []);

    /// <summary>A tensor variable over <paramref name="values"/> in row-major order; without a shape, a vector.</summary>
    public NodeRef Input(string id, double[] values, IReadOnlyList<long>? shape = null)
    {
        if (id is null)
        {
            throw new ArgumentNullException(nameof(id), "an input needs an id");
        }
        var tensor = Tensor("input", id, values, shape);
        return Append("input", id, [], node => node.Input = new Proto.Input { Value = tensor });
    }

    /// <summary>A scalar that never gets a gradient.</summary>
    public NodeRef Constant(double value, string? id = null) => Constant([value], [], id);

    /// <summary>A tensor that never gets a gradient, over <paramref name="values"/> in row-major order; without a shape, a vector.</summary>
    public NodeRef Constant(double[] values, IReadOnlyList<long>? shape = null, string? id = null)
    {
        var tensor = Tensor("constant", id, values, shape);
        return Append("constant", id, [], node => node.Constant = new Proto.Constant { Value = tensor });
    }

    /// <summary>
    /// Replaces the value of an input or constant, as a training loop does with its parameters
    /// between steps; without a shape, the leaf keeps the one it has.
    /// </summary>
    public void SetValue(NodeRef leaf, double[] values, IReadOnlyList<long>? shape = null)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        if (leaf.Builder != this)
        {
            throw new ArgumentException($"node '{leaf.Id}' belongs to another GraphBuilder", nameof(leaf));
        }
        var message = _messageOf[leaf];
        var holder = message.OpCase switch
        {
            Proto.Node.OpOneofCase.Input => message.Input.Value,
            Proto.Node.OpOneofCase.Constant => message.Constant.Value,
            _ => throw new ArgumentException($"node '{leaf.Id}' is a {leaf.Op}, not a leaf: only inputs and constants hold a value", nameof(leaf)),
        };
        var tensor = Tensor(leaf.Op, leaf.Id, values, shape ?? holder.Shape);
        holder.Shape.Clear();
        holder.Shape.Add(tensor.Shape);
        holder.Values.Clear();
        holder.Values.Add(tensor.Values);
    }

    // Elementwise binary ops, broadcasting as numpy does.

    public NodeRef Add(Operand a, Operand b, string? id = null) => Append("add", id, [a, b], node => node.Add = new());

    public NodeRef Sub(Operand a, Operand b, string? id = null) => Append("sub", id, [a, b], node => node.Sub = new());

    public NodeRef Mul(Operand a, Operand b, string? id = null) => Append("mul", id, [a, b], node => node.Mul = new());

    public NodeRef Div(Operand a, Operand b, string? id = null) => Append("div", id, [a, b], node => node.Div = new());

    /// <summary>@base to a fixed exponent, which is an attribute of the op: no gradient flows to it.</summary>
    public NodeRef Pow(Operand @base, double exponent, string? id = null) =>
        Append("pow", id, [@base], node => node.Pow = new Proto.Pow { Exponent = exponent });

    /// <summary>@base to the tensor <paramref name="exponent"/>, elementwise; both get gradients.</summary>
    public NodeRef Pow(Operand @base, NodeRef exponent, string? id = null) =>
        Append("pow", id, [@base, exponent], node => node.Pow = new());

    /// <summary>The elementwise larger of a and b; NaN propagates.</summary>
    public NodeRef Maximum(Operand a, Operand b, string? id = null) => Append("maximum", id, [a, b], node => node.Maximum = new());

    /// <summary>The elementwise smaller of a and b; NaN propagates.</summary>
    public NodeRef Minimum(Operand a, Operand b, string? id = null) => Append("minimum", id, [a, b], node => node.Minimum = new());

    // Elementwise unary ops.

    public NodeRef Neg(Operand x, string? id = null) => Append("neg", id, [x], node => node.Neg = new());

    public NodeRef Exp(Operand x, string? id = null) => Append("exp", id, [x], node => node.Exp = new());

    /// <summary>The natural logarithm.</summary>
    public NodeRef Log(Operand x, string? id = null) => Append("log", id, [x], node => node.Log = new());

    public NodeRef Sqrt(Operand x, string? id = null) => Append("sqrt", id, [x], node => node.Sqrt = new());

    public NodeRef Square(Operand x, string? id = null) => Append("square", id, [x], node => node.Square = new());

    public NodeRef Abs(Operand x, string? id = null) => Append("abs", id, [x], node => node.Abs = new());

    /// <summary>The sine, in radians.</summary>
    public NodeRef Sin(Operand x, string? id = null) => Append("sin", id, [x], node => node.Sin = new());

    /// <summary>The cosine, in radians.</summary>
    public NodeRef Cos(Operand x, string? id = null) => Append("cos", id, [x], node => node.Cos = new());

    public NodeRef Tanh(Operand x, string? id = null) => Append("tanh", id, [x], node => node.Tanh = new());

    /// <summary>1 / (1 + e^-x).</summary>
    public NodeRef Sigmoid(Operand x, string? id = null) => Append("sigmoid", id, [x], node => node.Sigmoid = new());

    /// <summary>max(0, x).</summary>
    public NodeRef Relu(Operand x, string? id = null) => Append("relu", id, [x], node => node.Relu = new());

    /// <summary>-1, 0 or 1 by the sign of x; NaN stays NaN.</summary>
    public NodeRef Sign(Operand x, string? id = null) => Append("sign", id, [x], node => node.Sign = new());

    /// <summary>x itself, as a node of its own.</summary>
    public NodeRef Identity(Operand x, string? id = null) => Append("identity", id, [x], node => node.Identity = new());

    // Linear algebra and movement.

    /// <summary>The matrix product, as numpy.matmul: a vector acts as a row on the left and a column on the right.</summary>
    public NodeRef MatMul(Operand a, Operand b, string? id = null) => Append("matmul", id, [a, b], node => node.Matmul = new());

    /// <summary>Permutes the axes of x; without <paramref name="perm"/>, reverses them.</summary>
    public NodeRef Transpose(Operand x, IReadOnlyList<int>? perm = null, string? id = null) =>
        Append("transpose", id, [x], node => node.Transpose = new Proto.Transpose { Perm = { perm ?? [] } });

    /// <summary>The same data with a new shape; one dimension may be -1, to be inferred.</summary>
    public NodeRef Reshape(Operand x, IReadOnlyList<long> shape, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Append("reshape", id, [x], node => node.Reshape = new Proto.Reshape { Shape = { shape } });
    }

    /// <summary>x repeated along new or size-1 axes to <paramref name="shape"/>, as numpy.broadcast_to.</summary>
    public NodeRef BroadcastTo(Operand x, IReadOnlyList<long> shape, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Append("broadcast_to", id, [x], node => node.BroadcastTo = new Proto.BroadcastTo { Shape = { shape } });
    }

    // Reductions.

    /// <summary>The sum over <paramref name="axes"/> (all axes when null or empty); negative axes count from the end.</summary>
    public NodeRef Sum(Operand x, IReadOnlyList<int>? axes = null, bool keepDims = false, string? id = null) =>
        Append("sum", id, [x], node => node.Sum = new Proto.Sum { Axes = { axes ?? [] }, KeepDims = keepDims });

    /// <summary>The mean over <paramref name="axes"/> (all axes when null or empty); negative axes count from the end.</summary>
    public NodeRef Mean(Operand x, IReadOnlyList<int>? axes = null, bool keepDims = false, string? id = null) =>
        Append("mean", id, [x], node => node.Mean = new Proto.Mean { Axes = { axes ?? [] }, KeepDims = keepDims });

    // Normalisation and losses.

    /// <summary>softmax along <paramref name="axis"/>; the last axis when null.</summary>
    public NodeRef Softmax(Operand x, int? axis = null, string? id = null) =>
        Append("softmax", id, [x], node => node.Softmax = new Proto.Softmax { Axis = axis });

    /// <summary>log(softmax) along <paramref name="axis"/>, computed stably; the last axis when null.</summary>
    public NodeRef LogSoftmax(Operand x, int? axis = null, string? id = null) =>
        Append("log_softmax", id, [x], node => node.LogSoftmax = new Proto.LogSoftmax { Axis = axis });

    /// <summary>The squared error between prediction and target, reduced to a scalar.</summary>
    public NodeRef Mse(Operand prediction, Operand target, Proto.Reduction reduction = Proto.Reduction.Mean, string? id = null) =>
        Append("mse", id, [prediction, target], node => node.Mse = new Proto.Mse { Reduction = reduction });

    /// <summary>
    /// The cross entropy of logits shaped [N, C] or [C] against class indices shaped [N] or [] (no
    /// gradient), or against class probabilities shaped like the logits, reduced to a scalar.
    /// </summary>
    public NodeRef CrossEntropy(Operand logits, Operand target, Proto.Reduction reduction = Proto.Reduction.Mean, string? id = null) =>
        Append("cross_entropy", id, [logits, target], node => node.CrossEntropy = new Proto.CrossEntropy { Reduction = reduction });

    /// <summary>
    /// Adds a node. Everything that can fail is checked before anything is added, so a failed call
    /// leaves no stray constants behind; constants for double operands come before the node itself.
    /// </summary>
    private NodeRef Append(string op, string? id, Operand[] operands, Action<Proto.Node> setOp)
    {
        if (id is not null)
        {
            CheckFree(id);
        }
        for (var i = 0; i < operands.Length; i++)
        {
            CheckOperand(op, id, i, operands[i]);
        }
        var node = Claim(op, id);
        var message = new Proto.Node { Id = node.Id };
        message.Inputs.Add(operands.Select(operand => (operand.Node ?? Constant(operand.Constant)).Id));
        setOp(message);
        _nodes.Add(node);
        _messages.Add(message);
        _messageOf.Add(node, message);
        return node;
    }

    private void CheckFree(string id)
    {
        if (id.Length == 0)
        {
            throw new ArgumentException("a node id must not be empty", nameof(id));
        }
        if (_byId.ContainsKey(id))
        {
            throw new ArgumentException($"the graph already has a node '{id}'", nameof(id));
        }
    }

    private void CheckOperand(string op, string? id, int index, Operand operand)
    {
        if (operand.IsConstant)
        {
            return;
        }
        var which = $"operand {index + 1} of {op}{(id is null ? "" : $" '{id}'")}";
        if (operand.Node is not { } node)
        {
            throw new ArgumentNullException(null, $"{which} is null");
        }
        if (node.Builder != this)
        {
            throw new ArgumentException($"{which} is node '{node.Id}' of another GraphBuilder; a graph can only use its own nodes");
        }
    }

    /// <summary>Registers the node under its id, or under the op's name and the next number no node has taken.</summary>
    private NodeRef Claim(string op, string? id)
    {
        if (id is null)
        {
            var made = _idsMadePerOp.GetValueOrDefault(op);
            do
            {
                id = $"{op}_{++made}";
            }
            while (_byId.ContainsKey(id));
            _idsMadePerOp[op] = made;
        }
        var node = new NodeRef(this, id, op);
        _byId.Add(id, node);
        return node;
    }

    private static Proto.Tensor Tensor(string op, string? id, double[] values, IReadOnlyList<long>? shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var which = id is null ? $"a {op}" : $"{op} '{id}'";
        shape ??= [values.Length];
        if (shape.Any(dim => dim < 0))
        {
            throw new ArgumentException($"{which}: shape {Format(shape)} has a negative dimension", nameof(shape));
        }
        // In doubles, so that a huge shape cannot overflow into a match.
        var elements = shape.Aggregate(1.0, (product, dim) => product * dim);
        if (elements != values.Length)
        {
            throw new ArgumentException($"{which}: shape {Format(shape)} needs {elements} values but {values.Length} were given", nameof(values));
        }
        var tensor = new Proto.Tensor { Shape = { shape } };
        tensor.Values.Add(values);
        return tensor;
    }

    private static string Format(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";
}
