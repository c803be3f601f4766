using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Bench.Suite;

/// <summary>The generated graphs of the suite, each from a fixed seed so every run sees the same one.</summary>
internal static class Graphs
{
    /// <summary>G2's op vocabulary; "gauss" stands for exp(-x²), written as the three nodes square, neg, exp.</summary>
    private static readonly string[] G2Ops = ["add", "mul", "sub", "sin", "tanh", "gauss", "sigmoid"];

    /// <summary>
    /// G2: a random DAG of exactly <paramref name="nodeCount"/> nodes over the inputs x0, x1, x2 with one
    /// output, "out". Operands are drawn mostly from nodes nothing consumes yet, so that nearly every node
    /// lies on a path to the output; the last few nodes add up whatever is still unconsumed.
    /// </summary>
    public static Graph RandomDag(int nodeCount, int seed)
    {
        var random = new Random(seed);
        var graph = new Graph();
        var unconsumed = new List<string>();
        var all = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            graph.Nodes.Add(Leaf($"x{i}", 0, isVariable: true));
            unconsumed.Add($"x{i}");
            all.Add($"x{i}");
        }
        string Pick() => unconsumed.Count > 0 && random.NextDouble() < 0.7
            ? unconsumed[random.Next(unconsumed.Count)]
            : all[random.Next(all.Count)];
        string Add(string op, params string[] inputs)
        {
            var id = $"n{graph.Nodes.Count}";
            foreach (var input in inputs)
            {
                unconsumed.Remove(input);
            }
            graph.Nodes.Add(Op(id, op, inputs));
            unconsumed.Add(id);
            all.Add(id);
            return id;
        }
        // Folding k unconsumed nodes into one takes k - 1 adds; a step adds at most 3 nodes and 1 unconsumed, so stop while that still fits.
        while (graph.Nodes.Count + unconsumed.Count + 3 < nodeCount)
        {
            var op = G2Ops[random.Next(G2Ops.Length)];
            switch (op)
            {
                case "gauss":
                    Add("exp", Add("neg", Add("square", Pick())));
                    break;
                case "add" or "mul" or "sub":
                    Add(op, Pick(), Pick());
                    break;
                default:
                    Add(op, Pick());
                    break;
            }
        }
        while (graph.Nodes.Count + unconsumed.Count - 1 < nodeCount)
        {
            Add("tanh", Pick());
        }
        while (unconsumed.Count > 1)
        {
            Add("add", unconsumed[0], unconsumed[1]);
        }
        graph.Nodes[^1].Id = "out";
        return graph;
    }

    /// <summary>
    /// G3: one training step of a 64 → 128 → 1 MLP with tanh, on a batch of 1,024 samples: the loss
    /// mse(tanh(X·W1 + b1)·W2 + b2, T), differentiated with respect to W1, b1, W2 and b2.
    /// </summary>
    public static Graph Mlp(int samples, int features, int hidden, int seed)
    {
        var random = new Random(seed);
        double[] Normal(int n, double scale) => Enumerable.Range(0, n).Select(_ => scale * (2 * random.NextDouble() - 1)).ToArray();
        var graph = new Graph();
        graph.Nodes.Add(Leaf("X", Normal(samples * features, 1), [samples, features], isVariable: false));
        graph.Nodes.Add(Leaf("T", Normal(samples, 1), [samples, 1], isVariable: false));
        graph.Nodes.Add(Leaf("W1", Normal(features * hidden, 1 / Math.Sqrt(features)), [features, hidden], isVariable: true));
        graph.Nodes.Add(Leaf("b1", Normal(hidden, 0.1), [hidden], isVariable: true));
        graph.Nodes.Add(Leaf("W2", Normal(hidden, 1 / Math.Sqrt(hidden)), [hidden, 1], isVariable: true));
        graph.Nodes.Add(Leaf("b2", Normal(1, 0.1), [1], isVariable: true));
        graph.Nodes.Add(Op("h1", "matmul", "X", "W1"));
        graph.Nodes.Add(Op("a1", "add", "h1", "b1"));
        graph.Nodes.Add(Op("t1", "tanh", "a1"));
        graph.Nodes.Add(Op("h2", "matmul", "t1", "W2"));
        graph.Nodes.Add(Op("p", "add", "h2", "b2"));
        graph.Nodes.Add(Op("loss", "mse", "p", "T"));
        return graph;
    }

    /// <summary>G5: a chain x → sin → tanh → neg → sin → … of <paramref name="nodeCount"/> nodes, ending in "out".</summary>
    public static Graph Chain(int nodeCount)
    {
        string[] ops = ["sin", "tanh", "neg"];
        var graph = new Graph();
        graph.Nodes.Add(Leaf("x", 0.5, isVariable: true));
        for (var i = 1; i < nodeCount; i++)
        {
            graph.Nodes.Add(Op($"n{i}", ops[i % ops.Length], $"{(i == 1 ? "x" : $"n{i - 1}")}"));
        }
        graph.Nodes[^1].Id = "out";
        return graph;
    }

    /// <summary>
    /// G5: a random DAG of <paramref name="nodeCount"/> nodes over three inputs, each op drawing its
    /// operands from the 64 nodes before it, so values stay bounded and the last node, "out", reaches
    /// back through most of the graph.
    /// </summary>
    public static Graph WideDag(int nodeCount, int seed)
    {
        string[] ops = ["add", "mul", "sub", "sin", "tanh", "sigmoid"];
        var random = new Random(seed);
        var graph = new Graph();
        for (var i = 0; i < 3; i++)
        {
            graph.Nodes.Add(Leaf($"x{i}", 0.25 * (i + 1), isVariable: true));
        }
        string Near() => graph.Nodes[Math.Max(0, graph.Nodes.Count - 1 - random.Next(64))].Id;
        for (var i = 3; i < nodeCount; i++)
        {
            var op = ops[random.Next(ops.Length)];
            graph.Nodes.Add(op is "add" or "mul" or "sub" ? Op($"n{i}", op, Near(), Near()) : Op($"n{i}", op, Near()));
        }
        graph.Nodes[^1].Id = "out";
        return graph;
    }

    private static Node Leaf(string id, double value, bool isVariable) => Leaf(id, [value], [], isVariable);

    private static Node Leaf(string id, double[] values, int[] shape, bool isVariable)
    {
        var tensor = new Tensor();
        tensor.Shape.Add(shape.Select(d => (long)d));
        tensor.Values.Add(values);
        return isVariable ? new Node { Id = id, Input = new Input { Value = tensor } } : new Node { Id = id, Constant = new Constant { Value = tensor } };
    }

    private static Node Op(string id, string op, params string[] inputs)
    {
        var node = new Node { Id = id };
        node.Inputs.Add(inputs);
        switch (op)
        {
            case "add": node.Add = new Add(); break;
            case "sub": node.Sub = new Sub(); break;
            case "mul": node.Mul = new Mul(); break;
            case "neg": node.Neg = new Neg(); break;
            case "square": node.Square = new Square(); break;
            case "exp": node.Exp = new Exp(); break;
            case "sin": node.Sin = new Sin(); break;
            case "tanh": node.Tanh = new Tanh(); break;
            case "sigmoid": node.Sigmoid = new Sigmoid(); break;
            case "matmul": node.Matmul = new MatMul(); break;
            case "mse": node.Mse = new Mse(); break;
            default: throw new ArgumentException($"no builder for op {op}", nameof(op));
        }
        return node;
    }
}
