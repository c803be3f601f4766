using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops.Leaves;
using Tensor = GraphGrpc.Engine.Tensors.Tensor;

namespace GraphGrpc.Engine.Tests.Differentiation;

/// <summary>Graphs for the autodiff tests: each op of the gradient table, and random DAGs, folded to a scalar loss.</summary>
internal static class AutodiffCases
{
    /// <summary>The op of <paramref name="spec"/> on random operands, and sum(op * W) for a random W, so every element of the op counts.</summary>
    public static (Graph Graph, string Op, string Loss) ForOp(OpGradientTests.OpSpec spec, Random random)
    {
        var builder = new GraphBuilder();
        var inputs = new string[spec.Shapes.Length];
        for (var k = 0; k < inputs.Length; k++)
        {
            var shape = spec.Shapes[k];
            if (spec.Fixed?.TryGetValue(k, out var fixedValues) == true)
            {
                inputs[k] = builder.Constant($"operand{k}", fixedValues, shape);
                continue;
            }
            var count = shape.Aggregate(1, (product, dim) => product * dim);
            inputs[k] = builder.Input($"operand{k}", [.. Enumerable.Range(0, count).Select(_ => Draw(random, spec.Domain))], shape);
        }
        var op = builder.Op("op", spec.SetOp, inputs);
        return (builder.Graph, op, Fold(builder, op, random));
    }

    /// <summary>sum(node * W) with W random, as a new sink.</summary>
    public static string Fold(GraphBuilder builder, string node, Random random)
    {
        var shape = GradientChecker.Compile(builder.Graph).Shapes[GradientChecker.Compile(builder.Graph).SlotOf(node)];
        var count = shape.Aggregate(1, (product, dim) => product * dim);
        var weights = builder.Constant("fold.weights", [.. Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1)], shape);
        var weighted = builder.Op("fold.weighted", n => n.Mul = new Mul(), node, weights);
        return builder.Op("fold.loss", n => n.Sum = new Sum(), weighted);
    }

    /// <summary>A random DAG of smooth ops over scalars and vectors with fan-out, joined into one scalar loss.</summary>
    public static (Graph Graph, string Loss) RandomDag(Random random)
    {
        Action<Node>[] unary = [n => n.Tanh = new(), n => n.Sigmoid = new(), n => n.Sin = new(), n => n.Cos = new(), n => n.Exp = new(), n => n.Square = new()];
        Action<Node>[] binary = [n => n.Add = new(), n => n.Sub = new(), n => n.Mul = new()];
        var builder = new GraphBuilder();
        var nodes = new List<string>();
        for (var i = 0; i < random.Next(1, 4); i++)
        {
            nodes.Add(random.Next(2) == 0
                ? builder.Input($"x{i}", random.NextDouble() - 0.5)
                : builder.Input($"x{i}", [random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5], 3));
        }
        var consumed = new HashSet<string>();
        var count = random.Next(3, 16);
        for (var i = 0; i < count; i++)
        {
            var a = nodes[random.Next(nodes.Count)];
            if (random.Next(2) == 0)
            {
                nodes.Add(builder.Op($"n{i}", unary[random.Next(unary.Length)], a));
                consumed.Add(a);
            }
            else
            {
                var b = nodes[random.Next(nodes.Count)];
                nodes.Add(builder.Op($"n{i}", binary[random.Next(binary.Length)], a, b));
                consumed.UnionWith([a, b]);
            }
        }
        var sinks = nodes.Where(n => !consumed.Contains(n)).ToList();
        var output = sinks[0];
        for (var i = 1; i < sinks.Count; i++)
        {
            output = builder.Op($"join{i}", n => n.Add = new(), output, sinks[i]);
        }
        return (builder.Graph, builder.Op("loss", n => n.Sum = new Sum(), output));
    }

    /// <summary>The ids of the input leaves.</summary>
    public static string[] Inputs(Graph graph) => [.. graph.Nodes.Where(n => n.OpCase == Node.OpOneofCase.Input).Select(n => n.Id)];

    /// <summary>The gradient graph, which must be valid.</summary>
    public static DifferentiationResult Differentiate(Graph graph, DifferentiationRequest request)
    {
        var result = Differentiator.Differentiate(graph, request);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        return result;
    }

    /// <summary>Every node's value, with the given input leaves set to new values.</summary>
    public static Tensor[] Forward(Graph graph, IReadOnlyDictionary<string, Tensor>? inputs = null, Plan? plan = null)
    {
        plan ??= GradientChecker.Compile(WithInputs(graph, inputs));
        return Evaluator.Forward(plan);
    }

    public static Graph WithInputs(Graph graph, IReadOnlyDictionary<string, Tensor>? inputs)
    {
        if (inputs is null)
        {
            return graph;
        }
        var copy = graph.Clone();
        foreach (var node in copy.Nodes)
        {
            if (inputs.TryGetValue(node.Id, out var value))
            {
                node.Input.Value = GraphBuilder.ToProto(value.Data, value.Shape);
            }
        }
        return copy;
    }

    /// <summary>The value of each input leaf, by id.</summary>
    public static Dictionary<string, Tensor> InputValues(Graph graph)
    {
        var plan = GradientChecker.Compile(graph);
        return Enumerable.Range(0, plan.Count).Where(slot => plan.Ops[slot] is LeafOp { IsVariable: true })
            .ToDictionary(slot => plan.Ids[slot], slot => ((LeafOp)plan.Ops[slot]).Value);
    }

    public static Tensor RandomLike(Tensor tensor, Random random) =>
        new(tensor.Shape, [.. Enumerable.Range(0, tensor.Length).Select(_ => random.NextDouble() * 2 - 1)]);

    /// <summary>x + h·v for each leaf v names (others as they are).</summary>
    public static Dictionary<string, Tensor> Step(Dictionary<string, Tensor> at, IReadOnlyDictionary<string, Tensor> direction, double h) =>
        at.ToDictionary(pair => pair.Key, pair => direction.TryGetValue(pair.Key, out var v)
            ? new Tensor(pair.Value.Shape, [.. pair.Value.Data.Select((x, i) => x + h * v.Data[i])])
            : pair.Value);

    public static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    private static double Draw(Random random, OpGradientTests.Domain domain)
    {
        var magnitude = 0.5 + 1.5 * random.NextDouble();
        return domain == OpGradientTests.Domain.Positive || random.Next(2) == 0 ? magnitude : -magnitude;
    }
}
