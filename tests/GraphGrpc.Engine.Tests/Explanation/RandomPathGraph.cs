using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>
/// Random DAGs with much fan-out, so there are many paths between two nodes: every op draws its
/// operands from all earlier nodes, and every sink is joined into one output.
/// </summary>
internal static class RandomPathGraph
{
    private static readonly Action<Node>[] Unary = [n => n.Tanh = new(), n => n.Sin = new(), n => n.Cos = new(), n => n.Sigmoid = new()];

    private static readonly Action<Node>[] Binary = [n => n.Add = new(), n => n.Sub = new(), n => n.Mul = new()];

    /// <summary>The graph, its output, and every node but the output (each a possible wrt node).</summary>
    public static (Graph Graph, string Output, List<string> Nodes) Build(Random random, int count, bool vectors)
    {
        var builder = new GraphBuilder();
        var nodes = new List<string>();
        var inputs = random.Next(1, 4);
        for (var i = 0; i < inputs; i++)
        {
            // With vectors, scalars and vectors mix, so binary ops broadcast.
            nodes.Add(vectors && random.Next(2) == 0
                ? builder.Input($"x{i}", [random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1], 3)
                : builder.Input($"x{i}", random.NextDouble() * 2 - 1));
        }
        var consumed = new HashSet<string>();
        for (var i = 0; i < count; i++)
        {
            var a = nodes[random.Next(nodes.Count)];
            if (random.Next(3) == 0)
            {
                nodes.Add(builder.Op($"n{i}", Unary[random.Next(Unary.Length)], a));
                consumed.Add(a);
            }
            else
            {
                var b = nodes[random.Next(nodes.Count)];
                nodes.Add(builder.Op($"n{i}", Binary[random.Next(Binary.Length)], a, b));
                consumed.UnionWith([a, b]);
            }
        }
        var sinks = nodes.Where(n => !consumed.Contains(n)).ToList();
        var output = sinks[0];
        for (var i = 1; i < sinks.Count; i++)
        {
            output = builder.Op($"join{i}", n => n.Add = new(), output, sinks[i]);
        }
        if (vectors)
        {
            output = builder.Op("total", n => n.Sum = new(), output);
        }
        return (builder.Graph, output, nodes.Where(n => n != output).ToList());
    }
}
