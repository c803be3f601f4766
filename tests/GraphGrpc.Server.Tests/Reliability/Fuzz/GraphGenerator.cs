using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Fuzz;

/// <summary>
/// Random graphs: mostly well-shaped ones (so that evaluation, not only validation, is exercised),
/// then broken on purpose with cycles, self-loops, dangling inputs, wrong arities, bad shapes and
/// bad attributes; values include NaN, ±Inf, ±0, subnormals and huge magnitudes.
/// </summary>
public sealed class GraphGenerator(Random random, bool undefinedEnums = true)
{
    private static readonly double[] NastyValues =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -double.Epsilon,
        2.2250738585072009e-308, 1e-310, double.MaxValue, double.MinValue, 1e308, -1e-300, 710, -745, 1, -1, 0.5,
    ];

    private static readonly string[] Unary = ["neg", "exp", "log", "sqrt", "square", "abs", "sin", "cos", "tanh", "sigmoid", "relu"];

    private static readonly string[] Binary = ["add", "sub", "mul", "div", "maximum", "minimum", "pow2"];

    /// <summary>A graph of up to <paramref name="maxNodes"/> nodes and the node ids a request may name; <paramref name="breakIt"/> adds faults.</summary>
    public (Graph Graph, List<string> Ids) Next(int maxNodes, bool breakIt)
    {
        var graph = new Graph();
        var shapes = new List<int[]>();
        var names = new List<string>();
        var pointShape = RandomShape();
        var leaves = 1 + random.Next(3);
        for (var i = 0; i < leaves; i++)
        {
            var shape = random.Next(4) == 0 ? [] : pointShape;
            graph.Nodes.Add(Leaf($"l{i}", shape, constant: random.Next(5) == 0));
            shapes.Add(shape);
            names.Add($"l{i}");
        }
        var count = leaves + random.Next(Math.Max(1, maxNodes - leaves));
        for (var i = leaves; i < count; i++)
        {
            var (node, shape) = Operation($"n{i}", names, shapes);
            graph.Nodes.Add(node);
            shapes.Add(shape);
            names.Add(node.Id);
        }
        if (breakIt)
        {
            for (var faults = 1 + random.Next(3); faults > 0; faults--)
            {
                Break(graph);
            }
        }
        Shuffle(graph);
        var ids = graph.Nodes.Select(n => n.Id).ToList();
        return (graph, ids);
    }

    /// <summary>A chain x → neg → neg → … of <paramref name="depth"/> nodes: nothing may recurse on it.</summary>
    public static Graph DeepChain(int depth)
    {
        var graph = new Graph();
        graph.Nodes.Add(new Node { Id = "c0", Input = new Input { Value = Scalar(0.5) } });
        for (var i = 1; i < depth; i++)
        {
            graph.Nodes.Add(new Node { Id = $"c{i}", Inputs = { $"c{i - 1}" }, Neg = new Neg() });
        }
        return graph;
    }

    /// <summary>One leaf read by <paramref name="width"/> nodes, all summed back by a tree of adds (fan-out then fan-in).</summary>
    public static Graph FanOutFanIn(int width)
    {
        var graph = new Graph();
        graph.Nodes.Add(new Node { Id = "x", Input = new Input { Value = Scalar(1.5) } });
        var level = new List<string>();
        for (var i = 0; i < width; i++)
        {
            graph.Nodes.Add(new Node { Id = $"f{i}", Inputs = { "x" }, Sin = new Sin() });
            level.Add($"f{i}");
        }
        var next = 0;
        while (level.Count > 1)
        {
            var merged = new List<string>();
            for (var i = 0; i + 1 < level.Count; i += 2)
            {
                var id = $"s{next++}";
                graph.Nodes.Add(new Node { Id = id, Inputs = { level[i], level[i + 1] }, Add = new Add() });
                merged.Add(id);
            }
            if (level.Count % 2 == 1)
            {
                merged.Add(level[^1]);
            }
            level = merged;
        }
        return graph;
    }

    /// <summary>One add with <paramref name="arity"/> operands: a wrong arity far out of range.</summary>
    public static Graph WideNode(int arity)
    {
        var graph = new Graph();
        graph.Nodes.Add(new Node { Id = "x", Input = new Input { Value = Scalar(1) } });
        var wide = new Node { Id = "wide", Add = new Add() };
        for (var i = 0; i < arity; i++)
        {
            wide.Inputs.Add("x");
        }
        graph.Nodes.Add(wide);
        return graph;
    }

    public Tensor RandomTensor(int[] shape)
    {
        var tensor = new Tensor();
        tensor.Shape.Add(shape.Select(d => (long)d));
        var count = shape.Aggregate(1, (a, b) => a * b);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = RandomValue();
        }
        if (random.Next(2) == 0)
        {
            tensor.Raw = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            tensor.Values.Add(values);
        }
        return tensor;
    }

    public int[] RandomShape() => random.Next(6) switch
    {
        0 or 1 => [],
        2 or 3 => [1 + random.Next(4)],
        4 => [1 + random.Next(3), 1 + random.Next(3)],
        _ => [2, 2],
    };

    private double RandomValue() => random.Next(6) == 0 ? NastyValues[random.Next(NastyValues.Length)] : Math.Round((random.NextDouble() * 4) - 2, 3);

    private Node Leaf(string id, int[] shape, bool constant)
    {
        var value = RandomTensor(shape);
        return constant ? new Node { Id = id, Constant = new Constant { Value = value } } : new Node { Id = id, Input = new Input { Value = value } };
    }

    /// <summary>A node whose operands come from earlier nodes and whose op accepts their shapes.</summary>
    private (Node Node, int[] Shape) Operation(string id, List<string> names, List<int[]> shapes)
    {
        var a = random.Next(shapes.Count);
        var b = random.Next(shapes.Count);
        var sa = shapes[a];
        var sb = shapes[b];
        var node = new Node { Id = id };
        node.Inputs.Add(names[a]);
        switch (random.Next(10))
        {
            case < 4:
                SetUnary(node, Unary[random.Next(Unary.Length)]);
                return (node, sa);
            case < 7 when sa.Length == 0 || sb.Length == 0 || sa.SequenceEqual(sb):
                node.Inputs.Add(names[b]);
                SetBinary(node, Binary[random.Next(Binary.Length)]);
                return (node, sa.Length >= sb.Length ? sa : sb);
            case 7:
                node.Sum = new Sum();
                return (node, []);
            case 8 when sa.Length == 2 && sb.Length == 2 && sa[1] == sb[0]:
                node.Inputs.Add(names[b]);
                node.Matmul = new MatMul();
                return (node, [sa[0], sb[1]]);
            case 8 when sa.Length >= 1:
                node.Softmax = new Softmax();
                return (node, sa);
            case 9 when sa.Length >= 1:
                node.Transpose = new Transpose();
                return (node, sa.Reverse().ToArray());
            default:
                node.Mean = new Mean();
                return (node, []);
        }
    }

    private static void SetUnary(Node node, string op)
    {
        switch (op)
        {
            case "neg": node.Neg = new Neg(); break;
            case "exp": node.Exp = new Exp(); break;
            case "log": node.Log = new Log(); break;
            case "sqrt": node.Sqrt = new Sqrt(); break;
            case "square": node.Square = new Square(); break;
            case "abs": node.Abs = new Abs(); break;
            case "sin": node.Sin = new Sin(); break;
            case "cos": node.Cos = new Cos(); break;
            case "tanh": node.Tanh = new Tanh(); break;
            case "sigmoid": node.Sigmoid = new Sigmoid(); break;
            default: node.Relu = new Relu(); break;
        }
    }

    private static void SetBinary(Node node, string op)
    {
        switch (op)
        {
            case "add": node.Add = new Add(); break;
            case "sub": node.Sub = new Sub(); break;
            case "mul": node.Mul = new Mul(); break;
            case "div": node.Div = new Div(); break;
            case "maximum": node.Maximum = new Maximum(); break;
            case "minimum": node.Minimum = new Minimum(); break;
            default: node.Pow = new Pow(); break;
        }
    }

    /// <summary>One fault, chosen at random, in a random node.</summary>
    private void Break(Graph graph)
    {
        var nodes = graph.Nodes;
        var node = nodes[random.Next(nodes.Count)];
        var other = nodes[random.Next(nodes.Count)];
        switch (random.Next(16))
        {
            case 0: // a cycle through two nodes (or a self-loop when they coincide)
                node.Inputs.Add(other.Id);
                other.Inputs.Add(node.Id);
                break;
            case 1:
                node.Inputs.Add(node.Id);
                break;
            case 2:
                node.Inputs.Add($"ghost{random.Next(100)}");
                break;
            case 3:
                node.Inputs.Clear();
                break;
            case 4:
                node.Inputs.Add(other.Id);
                break;
            case 5:
                node.Id = other.Id;
                break;
            case 6:
                node.Id = random.Next(2) == 0 ? "" : "\u0000\uffff🙂";
                break;
            case 7:
                node.ClearOp();
                break;
            case 8: // a value whose data does not fit its shape, or an absurd shape
                var value = new Tensor();
                value.Shape.Add(random.Next(3) switch { 0 => [-1], 1 => [1L << 40, 1L << 40], _ => [3, 5] });
                value.Values.Add([1, 2]);
                node.Input = new Input { Value = value };
                break;
            case 9:
                node.Input = new Input { Value = new Tensor { Raw = Google.Protobuf.ByteString.CopyFrom(new byte[random.Next(1, 16)]) } };
                break;
            case 10:
                node.Reshape = new Reshape { Shape = { random.Next(3) switch { 0 => [-1, -1], 1 => [0], _ => [long.MaxValue] } } };
                break;
            case 11:
                node.Transpose = new Transpose { Perm = { random.Next(2) == 0 ? [0, 0] : [int.MinValue, int.MaxValue] } };
                break;
            case 12:
                node.Sum = new Sum { Axes = { random.Next(2) == 0 ? int.MaxValue : -7 }, KeepDims = true };
                break;
            case 13:
                node.LogSoftmax = new LogSoftmax { Axis = random.Next(2) == 0 ? int.MinValue : 5 };
                break;
            case 14:
                node.Pow = new Pow { Exponent = NastyValues[random.Next(NastyValues.Length)] };
                break;
            default:
                node.CrossEntropy = new CrossEntropy { Reduction = (Reduction)(undefinedEnums ? random.Next(-1, 5) : random.Next(3)) };
                node.Inputs.Add(other.Id);
                break;
        }
    }

    private void Shuffle(Graph graph)
    {
        if (random.Next(2) == 0)
        {
            return;
        }
        var nodes = graph.Nodes.ToArray();
        random.Shuffle(nodes);
        graph.Nodes.Clear();
        graph.Nodes.Add(nodes);
    }

    private static Tensor Scalar(double value) => new() { Values = { value } };
}
