using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Tests.Batch;

/// <summary>
/// Random graphs for batch tests: per-point inputs and shared inputs, scalars and vectors, with
/// elementwise ops and sums and means (which the batch runs chunk-wide) and whole-tensor ops (which it
/// runs point by point), and fan-out, all joined into one scalar output.
/// </summary>
internal static class RandomBatchGraph
{
    private static readonly Action<Node>[] Unary =
    [
        n => n.Tanh = new(), n => n.Sigmoid = new(), n => n.Sin = new(), n => n.Cos = new(), n => n.Exp = new(),
        n => n.Square = new(), n => n.Neg = new(), n => n.Abs = new(),
    ];

    private static readonly Action<Node>[] Binary =
    [
        n => n.Add = new(), n => n.Sub = new(), n => n.Mul = new(), n => n.Maximum = new(),
    ];

    public static (Graph Graph, string[] BatchInputs, string Output) Create(Random random)
    {
        var builder = new GraphBuilder();
        var shapes = new Dictionary<string, int[]>();
        var batchInputs = new List<string>();
        string Leaf(string id, int[] shape, bool perPoint)
        {
            var count = shape.Aggregate(1, (p, d) => p * d);
            builder.Input(id, Enumerable.Range(0, count).Select(_ => random.NextDouble() + 0.5).ToArray(), shape);
            shapes[id] = shape;
            if (perPoint)
            {
                batchInputs.Add(id);
            }
            return id;
        }
        var nodes = new List<string>
        {
            Leaf("x", [], perPoint: true),
            Leaf("v", [3], perPoint: true),
            Leaf("w", [], perPoint: false),
            Leaf("u", [3], perPoint: false),
        };
        if (random.Next(2) == 0)
        {
            nodes.Add(Leaf("m", [3, 3], perPoint: false));
        }

        var consumed = new HashSet<string>();
        var count = random.Next(4, 16);
        for (var i = 0; i < count; i++)
        {
            var id = $"n{i}";
            var a = nodes[random.Next(nodes.Count)];
            var choice = random.Next(10);
            if (choice < 4)
            {
                builder.Op(id, Unary[random.Next(Unary.Length)], a);
                shapes[id] = shapes[a];
                consumed.Add(a);
            }
            else if (choice < 8)
            {
                // Operands of the same shape, or one scalar: the shapes a batch runs chunk-wide.
                var candidates = nodes.Where(n => shapes[n].Length == 0 || shapes[a].Length == 0 || shapes[n].SequenceEqual(shapes[a])).ToList();
                var b = candidates[random.Next(candidates.Count)];
                builder.Op(id, Binary[random.Next(Binary.Length)], a, b);
                shapes[id] = shapes[a].Length >= shapes[b].Length ? shapes[a] : shapes[b];
                consumed.UnionWith([a, b]);
            }
            else if (shapes[a].Length == 1 && nodes.Contains("m") && random.Next(2) == 0)
            {
                builder.Op(id, n => n.Matmul = new(), "m", a);
                shapes[id] = [3];
                consumed.UnionWith(["m", a]);
            }
            else if (shapes[a].Length == 1)
            {
                builder.Op(id, random.Next(3) switch { 0 => n => n.Softmax = new(), 1 => n => n.Sum = new(), _ => n => n.Mean = new() }, a);
                shapes[id] = builder.Graph.Nodes[^1].Softmax is null ? [] : shapes[a];
                consumed.Add(a);
            }
            else
            {
                // A scalar against a vector: a broadcast inside each point.
                builder.Op(id, n => n.Mul = new(), a, "u");
                shapes[id] = [3];
                consumed.UnionWith([a, "u"]);
            }
            nodes.Add(id);
        }
        var sinks = nodes.Where(n => !consumed.Contains(n)).ToList();
        var output = builder.Op("total0", n => n.Sum = new(), sinks[0]);
        for (var i = 1; i < sinks.Count; i++)
        {
            var part = builder.Op($"part{i}", random.Next(2) == 0 ? n => n.Sum = new() : n => n.Mean = new(), sinks[i]);
            output = builder.Op($"total{i}", n => n.Add = new(), output, part);
        }
        return (builder.Graph, [.. batchInputs], output);
    }
}
