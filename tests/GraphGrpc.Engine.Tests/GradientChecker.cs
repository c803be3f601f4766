using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops.Leaves;

namespace GraphGrpc.Engine.Tests;

/// <summary>
/// Checks reverse mode against central differences. The node under test is folded to a scalar by a
/// random projection, sum(node * W), so that every output element carries its own weight: with a plain
/// sum, ops such as softmax would have gradient zero and prove nothing.
/// </summary>
internal static class GradientChecker
{
    public static void Check(Graph graph, string node, Random random, double tolerance = 1e-6)
    {
        var shape = Compile(graph).Shapes[Compile(graph).SlotOf(node)];
        var builder = new GraphBuilder();
        builder.Graph.MergeFrom(graph);
        var count = shape.Aggregate(1, (product, dim) => product * dim);
        var weights = builder.Constant("check.weights", Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray(), shape);
        var weighted = builder.Op("check.weighted", n => n.Mul = new Mul(), node, weights);
        var loss = builder.Op("check.loss", n => n.Sum = new Sum(), weighted);

        var plan = Compile(builder.Graph);
        var analytic = Evaluator.Evaluate(plan, new EvaluationRequest { Outputs = [loss] });
        Assert.Null(analytic.FirstNonFinite);
        var checkedAny = false;
        for (var slot = 0; slot < plan.Count; slot++)
        {
            if (plan.Ops[slot] is not LeafOp { IsVariable: true } leaf)
            {
                continue;
            }
            var gradient = analytic.Gradients[slot]!;
            for (var i = 0; i < leaf.Value.Length; i++)
            {
                var numeric = CentralDifference(plan, leaf, i, loss);
                var exact = gradient.Data[i];
                Assert.True(Math.Abs(numeric - exact) <= tolerance * Math.Max(1, Math.Abs(numeric)),
                    $"∂{loss}/∂{plan.Ids[slot]}[{i}]: reverse mode gives {exact:R}, central differences {numeric:R}");
                checkedAny = true;
            }
        }
        Assert.True(checkedAny, "the graph has no input to check");
    }

    private static double CentralDifference(Plan plan, LeafOp leaf, int index, string loss)
    {
        // Perturbs the leaf's data in place: the plan belongs to this check alone.
        var data = leaf.Value.Data;
        var original = data[index];
        var step = 1e-6 * Math.Max(1, Math.Abs(original));
        data[index] = original + step;
        var up = Evaluator.Forward(plan)[plan.SlotOf(loss)].Data[0];
        data[index] = original - step;
        var down = Evaluator.Forward(plan)[plan.SlotOf(loss)].Data[0];
        data[index] = original;
        return (up - down) / (2 * step);
    }

    public static Plan Compile(Graph graph)
    {
        var compilation = GraphCompiler.Compile(graph);
        Assert.True(compilation.IsValid, string.Join("; ", compilation.Problems));
        return compilation.Plan!;
    }
}
