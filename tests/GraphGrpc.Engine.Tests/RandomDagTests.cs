using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Tests;

/// <summary>Random DAGs with fan-out and broadcasting: reverse mode against central differences.</summary>
public sealed class RandomDagTests
{
    // Smooth ops whose values stay bounded, so differences stay accurate however deep the graph.
    private static readonly Action<Node>[] Unary =
    [
        n => n.Tanh = new(), n => n.Sigmoid = new(), n => n.Sin = new(), n => n.Cos = new(),
    ];

    private static readonly Action<Node>[] Binary =
    [
        n => n.Add = new(), n => n.Sub = new(), n => n.Mul = new(),
    ];

    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 25));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Backward_OnRandomDag_MatchesCentralDifferences(int seed)
    {
        var random = new Random(seed);
        var builder = new GraphBuilder();
        var nodes = new List<string>();
        var inputs = random.Next(1, 4);
        for (var i = 0; i < inputs; i++)
        {
            // Mixed scalars and vectors, so binary ops broadcast.
            nodes.Add(random.Next(2) == 0
                ? builder.Input($"x{i}", random.NextDouble() * 2 - 1)
                : builder.Input($"x{i}", [random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1], 3));
        }
        var count = random.Next(3, 25);
        var consumed = new HashSet<string>();
        for (var i = 0; i < count; i++)
        {
            // Drawing operands from every earlier node gives fan-out and diamonds.
            var a = nodes[random.Next(nodes.Count)];
            string node;
            if (random.Next(2) == 0)
            {
                node = builder.Op($"n{i}", Unary[random.Next(Unary.Length)], a);
                consumed.Add(a);
            }
            else
            {
                var b = nodes[random.Next(nodes.Count)];
                node = builder.Op($"n{i}", Binary[random.Next(Binary.Length)], a, b);
                consumed.UnionWith([a, b]);
            }
            nodes.Add(node);
        }
        // Join every sink into one output.
        var sinks = nodes.Where(n => !consumed.Contains(n)).ToList();
        var output = sinks[0];
        for (var i = 1; i < sinks.Count; i++)
        {
            output = builder.Op($"join{i}", n => n.Add = new(), output, sinks[i]);
        }

        GradientChecker.Check(builder.Graph, output, random);
    }
}
