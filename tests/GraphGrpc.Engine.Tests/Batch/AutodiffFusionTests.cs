using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Batch;
using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Kernels;

namespace GraphGrpc.Engine.Tests.Batch;

/// <summary>
/// A Hessian-vector product graph and a JVP batch of a graph of fusible ops fuse into one loop too, as the
/// HVP and JVP benchmarks (G2's vocabulary) need to run at full speed.
/// </summary>
public sealed class AutodiffFusionTests
{
    private static readonly bool CanFuseHere = VectorLanes.ForThisMachine() is not null;

    [Fact]
    public void HessianVectorProductGraph_OfFusibleOps_Fuses()
    {
        var (graph, output) = G2Like(new Random(4));
        var gradient = Differentiator.Differentiate(graph, new DifferentiationRequest { Outputs = [output] });
        var hvp = Differentiator.Differentiate(gradient.Graph!, new DifferentiationRequest
        {
            Outputs = ["grad(out, x0)"], Wrt = ["x0", "x1", "x2"], SeedsAsInputs = true,
        });
        var plan = GradientChecker.Compile(hvp.Graph!);

        var batch = BatchPlan.Create(plan, new BatchRequest
        {
            BatchInputs = ["x0", "x1", "x2", "seed(grad(out, x0))"], Outputs = [.. hvp.Sinks.Select(s => s.SinkId)], ForwardOnly = true,
        });

        Assert.Equal(CanFuseHere, batch.Fused is not null);
    }

    [Fact]
    public void JvpBatch_OfFusibleOps_Fuses()
    {
        var (graph, output) = G2Like(new Random(5));
        var plan = GradientChecker.Compile(graph);

        var batch = BatchPlan.Create(plan, new BatchRequest
        {
            BatchInputs = ["x0", "x1", "x2"], Outputs = [output], ForwardOnly = true, Tangents = ["x0", "x1", "x2"],
        });

        Assert.Equal(CanFuseHere, batch.Tangent!.Inner.Fused is not null);
    }

    /// <summary>A random DAG over x0, x1, x2 of add, mul, sub, sin, tanh, sigmoid and exp(-x²), summed into "out".</summary>
    private static (Graph Graph, string Output) G2Like(Random random)
    {
        var b = new GraphBuilder();
        var nodes = new List<string> { b.Input("x0", 0.1), b.Input("x1", 0.2), b.Input("x2", 0.3) };
        for (var i = 0; i < 40; i++)
        {
            var a = nodes[random.Next(nodes.Count)];
            var c = nodes[random.Next(nodes.Count)];
            nodes.Add(random.Next(7) switch
            {
                0 => b.Op($"n{i}", n => n.Add = new(), a, c),
                1 => b.Op($"n{i}", n => n.Mul = new(), a, c),
                2 => b.Op($"n{i}", n => n.Sub = new(), a, c),
                3 => b.Op($"n{i}", n => n.Sin = new(), a),
                4 => b.Op($"n{i}", n => n.Tanh = new(), a),
                5 => b.Op($"n{i}", n => n.Sigmoid = new(), a),
                _ => b.Op($"n{i}", n => n.Exp = new(), b.Op($"m{i}", n => n.Neg = new(), b.Op($"s{i}", n => n.Square = new(), a))),
            });
        }
        var output = nodes[^1];
        for (var i = nodes.Count - 2; i >= 3; i--)
        {
            output = b.Op($"join{i}", n => n.Add = new(), output, nodes[i]);
        }
        return (b.Graph, b.Op("out", n => n.Identity = new(), output));
    }
}
