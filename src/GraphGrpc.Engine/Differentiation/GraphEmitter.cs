using Google.Protobuf;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Ops.Movement;
using GraphGrpc.Engine.Tensors;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// Builds nodes on top of a compiled graph for symbolic rules (an op's backward rule as graph ops, its JVP
/// rule), simplifying as it goes: constants fold, ×1, +0 and ×0 vanish where shapes allow, and an op
/// applied twice to the same inputs is one node. Null is a tensor of zeros throughout: every method takes
/// and gives it, so a rule reads like its formula and zeros never become nodes unless a sink needs one.
/// </summary>
public sealed class GraphEmitter
{
    // Constants up to this size fold, and are told apart by their values; larger ones are left as they are.
    private const int FoldedElements = 64;

    private readonly Plan _plan;
    private readonly List<AddedNode> _added = [];
    private readonly Dictionary<string, SymbolicTensor> _byKey = new(StringComparer.Ordinal);
    private readonly SymbolicTensor[] _original;
    private readonly Dictionary<int, SymbolicTensor> _handles = [];

    internal GraphEmitter(Plan plan)
    {
        _plan = plan;
        _original = Enumerable.Range(0, plan.Count).Select(slot => new SymbolicTensor(slot, plan.Shapes[slot])).ToArray();
    }

    /// <summary>A node the emitter added: the op node as the wire has it (inputs left empty), its op, operands and shape, and its id once named.</summary>
    internal sealed record AddedNode(Proto.Node Node, Op Op, int[] Inputs, int[] Shape)
    {
        public string? Name { get; set; }
    }

    internal Plan Plan => _plan;

    internal IReadOnlyList<AddedNode> Added => _added;

    /// <summary>How many nodes there are: the original slots, then the added nodes.</summary>
    internal int Count => _plan.Count + _added.Count;

    /// <summary>The original graph's node in slot <paramref name="slot"/>.</summary>
    internal SymbolicTensor Original(int slot) => _original[slot];

    internal Op OpOf(int index) => index < _plan.Count ? _plan.Ops[index] : _added[index - _plan.Count].Op;

    internal int[] InputsOf(int index) => index < _plan.Count ? _plan.Inputs[index] : _added[index - _plan.Count].Inputs;

    internal bool IsAdded(SymbolicTensor x) => x.Index >= _plan.Count;

    internal AddedNode AddedAt(SymbolicTensor x) => _added[x.Index - _plan.Count];

    // ---- Leaves ----

    /// <summary>A constant tensor filled with <paramref name="value"/>; a large one is a scalar broadcast to the shape, so a big seed stays small.</summary>
    public SymbolicTensor Constant(double value, int[] shape)
    {
        return Shapes.ElementCount(shape) <= FoldedElements
            ? ConstantLeaf(Tensor.Filled(shape, value))
            : BroadcastTo(ConstantLeaf(Tensor.Scalar(value)), shape)!;
    }

    /// <summary>A constant holding <paramref name="value"/>.</summary>
    public SymbolicTensor Constant(Tensor value) => ConstantLeaf(value);

    /// <summary>A new input leaf, never merged with another: a seed or a tangent a caller sets.</summary>
    internal SymbolicTensor NewInput(Tensor value, string name)
    {
        var added = Append(new Proto.Node { Input = new Proto.Input { Value = TensorProtos.ToProto(value) } }, new LeafOp(value, isVariable: true), [], value.Shape);
        AddedAt(added).Name = name;
        return added;
    }

    // ---- Elementwise arithmetic ----

    public SymbolicTensor? Add(SymbolicTensor? a, SymbolicTensor? b)
    {
        if (a is null || b is null)
        {
            return a ?? b;
        }
        var shape = Shapes.Broadcast(a.Shape, b.Shape);
        if (IsFilled(a, 0) && Shapes.SameShape(shape, b.Shape))
        {
            return b;
        }
        if (IsFilled(b, 0) && Shapes.SameShape(shape, a.Shape))
        {
            return a;
        }
        return Emit(new Proto.Node { Add = new() }, a, b);
    }

    public SymbolicTensor? Sub(SymbolicTensor? a, SymbolicTensor? b)
    {
        if (b is null)
        {
            return a;
        }
        if (a is null)
        {
            return Neg(b);
        }
        if (IsFilled(b, 0) && Shapes.SameShape(Shapes.Broadcast(a.Shape, b.Shape), a.Shape))
        {
            return a;
        }
        return Emit(new Proto.Node { Sub = new() }, a, b);
    }

    public SymbolicTensor? Mul(SymbolicTensor? a, SymbolicTensor? b)
    {
        if (a is null || b is null || IsFilled(a, 0) || IsFilled(b, 0))
        {
            return null;
        }
        var shape = Shapes.Broadcast(a.Shape, b.Shape);
        if (IsFilled(a, 1) && Shapes.SameShape(shape, b.Shape))
        {
            return b;
        }
        if (IsFilled(b, 1) && Shapes.SameShape(shape, a.Shape))
        {
            return a;
        }
        if (IsFilled(a, -1) && Shapes.SameShape(shape, b.Shape))
        {
            return Neg(b);
        }
        if (IsFilled(b, -1) && Shapes.SameShape(shape, a.Shape))
        {
            return Neg(a);
        }
        return Emit(new Proto.Node { Mul = new() }, a, b);
    }

    /// <summary>a times the number <paramref name="c"/>.</summary>
    public SymbolicTensor? Scale(SymbolicTensor? a, double c) => a is null ? null : Mul(Constant(c, []), a);

    public SymbolicTensor? Div(SymbolicTensor? a, SymbolicTensor b)
    {
        if (a is null || IsFilled(a, 0))
        {
            return null;
        }
        if (IsFilled(b, 1) && Shapes.SameShape(Shapes.Broadcast(a.Shape, b.Shape), a.Shape))
        {
            return a;
        }
        return Emit(new Proto.Node { Div = new() }, a, b);
    }

    public SymbolicTensor? Neg(SymbolicTensor? x)
    {
        if (x is null)
        {
            return null;
        }
        if (OpOf(x.Index) is Ops.Elementwise.NegOp)
        {
            return Node(InputsOf(x.Index)[0]);
        }
        return Emit(new Proto.Node { Neg = new() }, x);
    }

    /// <summary>x raised to the number <paramref name="exponent"/>.</summary>
    public SymbolicTensor Pow(SymbolicTensor x, double exponent) => exponent switch
    {
        1 => x,
        0 => Constant(1, x.Shape),
        _ => Emit(new Proto.Node { Pow = new Proto.Pow { Exponent = exponent } }, x),
    };

    /// <summary>x raised to the tensor <paramref name="exponent"/>.</summary>
    public SymbolicTensor Pow(SymbolicTensor x, SymbolicTensor exponent) => Emit(new Proto.Node { Pow = new Proto.Pow() }, x, exponent);

    // ---- Elementwise functions ----

    public SymbolicTensor Exp(SymbolicTensor x) => Emit(new Proto.Node { Exp = new() }, x);

    public SymbolicTensor Log(SymbolicTensor x) => Emit(new Proto.Node { Log = new() }, x);

    public SymbolicTensor Sin(SymbolicTensor x) => Emit(new Proto.Node { Sin = new() }, x);

    public SymbolicTensor Cos(SymbolicTensor x) => Emit(new Proto.Node { Cos = new() }, x);

    public SymbolicTensor Sign(SymbolicTensor x) => Emit(new Proto.Node { Sign = new() }, x);

    public SymbolicTensor Abs(SymbolicTensor x) => Emit(new Proto.Node { Abs = new() }, x);

    /// <summary>x itself as a node of its own, never simplified away: a sink that names an existing node.</summary>
    internal SymbolicTensor Identity(SymbolicTensor x) => Append(new Proto.Node { Identity = new() }, new Ops.Elementwise.IdentityOp(), [x.Index], x.Shape);

    // ---- Linear algebra, movement and reductions ----

    public SymbolicTensor? MatMul(SymbolicTensor? a, SymbolicTensor? b) =>
        a is null || b is null ? null : Emit(new Proto.Node { Matmul = new() }, a, b);

    public SymbolicTensor? Transpose(SymbolicTensor? x, IReadOnlyList<int> perm)
    {
        if (x is null)
        {
            return null;
        }
        var resolved = perm.Count == 0 ? Enumerable.Range(0, x.Shape.Length).Reverse().ToArray() : perm.ToArray();
        if (resolved.Select((axis, i) => Shapes.NormalizeAxis(axis, x.Shape.Length) == i).All(same => same))
        {
            return x;
        }
        var node = new Proto.Transpose();
        node.Perm.Add(resolved);
        return Emit(new Proto.Node { Transpose = node }, x);
    }

    public SymbolicTensor? Reshape(SymbolicTensor? x, int[] shape)
    {
        if (x is null)
        {
            return null;
        }
        if (Shapes.SameShape(x.Shape, shape))
        {
            return x;
        }
        // A reshape of a reshape is one reshape of the first one's operand.
        var source = OpOf(x.Index) is ReshapeOp ? Node(InputsOf(x.Index)[0]) : x;
        if (Shapes.SameShape(source.Shape, shape))
        {
            return source;
        }
        var node = new Proto.Reshape();
        node.Shape.Add(shape.Select(dim => (long)dim));
        return Emit(new Proto.Node { Reshape = node }, source);
    }

    public SymbolicTensor? BroadcastTo(SymbolicTensor? x, int[] shape)
    {
        if (x is null)
        {
            return null;
        }
        if (Shapes.SameShape(x.Shape, shape))
        {
            return x;
        }
        var node = new Proto.BroadcastTo();
        node.Shape.Add(shape.Select(dim => (long)dim));
        return Emit(new Proto.Node { BroadcastTo = node }, x);
    }

    /// <summary>Sums x down to <paramref name="shape"/>, which broadcasts to x's shape: a sum over the broadcast axes, then a reshape.</summary>
    public SymbolicTensor? SumTo(SymbolicTensor? x, int[] shape)
    {
        if (x is null || Shapes.SameShape(x.Shape, shape))
        {
            return x;
        }
        if (Shapes.ElementCount(x.Shape) == Shapes.ElementCount(shape))
        {
            return Reshape(x, shape);
        }
        var lead = x.Shape.Length - shape.Length;
        var axes = Enumerable.Range(0, x.Shape.Length).Where(axis => axis < lead || (shape[axis - lead] == 1 && x.Shape[axis] != 1)).ToArray();
        return Reshape(Sum(x, axes, keepDims: true), shape);
    }

    public SymbolicTensor? Sum(SymbolicTensor? x, IReadOnlyList<int> axes, bool keepDims) => Reduce(x, axes, keepDims, mean: false);

    public SymbolicTensor? Mean(SymbolicTensor? x, IReadOnlyList<int> axes, bool keepDims) => Reduce(x, axes, keepDims, mean: true);

    public SymbolicTensor LogSoftmax(SymbolicTensor x, int? axis) =>
        Emit(new Proto.Node { LogSoftmax = new Proto.LogSoftmax { Axis = axis } }, x);

    // ---- The machinery ----

    /// <summary>Whether x is a constant whose every element is <paramref name="value"/> (possibly broadcast from one element).</summary>
    internal bool IsFilled(SymbolicTensor x, double value)
    {
        var index = x.Index;
        if (OpOf(index) is BroadcastToOp)
        {
            index = InputsOf(index)[0];
        }
        return OpOf(index) is LeafOp { IsVariable: false } leaf && leaf.Value.Length > 0 && leaf.Value.Data.All(v => v == value);
    }

    private SymbolicTensor? Reduce(SymbolicTensor? x, IReadOnlyList<int> axes, bool keepDims, bool mean)
    {
        if (x is null)
        {
            return null;
        }
        Proto.Node node;
        if (mean)
        {
            node = new Proto.Node { Mean = new Proto.Mean { KeepDims = keepDims } };
            node.Mean.Axes.Add(axes);
        }
        else
        {
            node = new Proto.Node { Sum = new Proto.Sum { KeepDims = keepDims } };
            node.Sum.Axes.Add(axes);
        }
        return Emit(node, x);
    }

    /// <summary>The handle of the node at <paramref name="index"/>: one per node, so handles compare by reference.</summary>
    internal SymbolicTensor Node(int index)
    {
        if (index < _plan.Count)
        {
            return _original[index];
        }
        if (!_handles.TryGetValue(index, out var handle))
        {
            _handles[index] = handle = new SymbolicTensor(index, _added[index - _plan.Count].Shape);
        }
        return handle;
    }

    /// <summary>A constant leaf; small ones with the same values are one node.</summary>
    private SymbolicTensor ConstantLeaf(Tensor value)
    {
        var node = new Proto.Node { Constant = new Proto.Constant { Value = TensorProtos.ToProto(value) } };
        var key = value.Length <= FoldedElements ? Key(node, []) : null;
        if (key is not null && _byKey.TryGetValue(key, out var known))
        {
            return known;
        }
        var added = Append(node, new LeafOp(value, isVariable: false), [], value.Shape);
        if (key is not null)
        {
            _byKey[key] = added;
        }
        return added;
    }

    /// <summary>
    /// The node applying <paramref name="node"/>'s op to <paramref name="inputs"/>: one already made if there is
    /// one, a constant when every operand is a small constant, else a new node.
    /// </summary>
    internal SymbolicTensor Emit(Proto.Node node, params SymbolicTensor[] inputs)
    {
        var key = Key(node, inputs);
        if (_byKey.TryGetValue(key, out var known))
        {
            return known;
        }
        var op = OpTable.Create(node);
        var shape = op.InferShape(inputs.Select(input => input.Shape).ToArray());
        SymbolicTensor result;
        if (op is not BroadcastToOp && Shapes.ElementCount(shape) <= FoldedElements
            && inputs.All(input => OpOf(input.Index) is LeafOp { IsVariable: false }))
        {
            var values = inputs.Select(input => ((LeafOp)OpOf(input.Index)).Value).ToArray();
            result = ConstantLeaf(op.Forward(values));
        }
        else
        {
            result = Append(node, op, inputs.Select(input => input.Index).ToArray(), shape);
        }
        _byKey[key] = result;
        return result;
    }

    private SymbolicTensor Append(Proto.Node node, Op op, int[] inputs, int[] shape)
    {
        _added.Add(new AddedNode(node, op, inputs, shape));
        return Node(_plan.Count + _added.Count - 1);
    }

    /// <summary>What makes two nodes the same: the op with its attributes (its wire bytes) and the operands.</summary>
    private static string Key(Proto.Node node, SymbolicTensor[] inputs) =>
        Convert.ToBase64String(node.ToByteArray()) + "|" + string.Join(",", inputs.Select(input => input.Index));
}
