using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Ops;
using OpCase = GraphGrpc.Contracts.V1.Node.OpOneofCase;

namespace GraphGrpc.Engine.Tests;

/// <summary>
/// One table of op specs, fed to one finite-difference checker (JAX's LAX_GRAD_OPS style). Adding an
/// op adds a row; a test fails while any op in the op table lacks one.
/// </summary>
public sealed class OpGradientTests
{
    /// <summary>Where an op's operands are drawn: away from kinks (|x| ≥ 0.5) and, for log, sqrt and powers, positive.</summary>
    public enum Domain
    {
        AwayFromZero,
        Positive,
    }

    /// <summary>
    /// One row: the op, its operand shapes and domain, and fixed values for operands that are not
    /// differentiable (class indices), which enter as constants.
    /// </summary>
    public sealed record OpSpec(string Name, OpCase Case, Action<Node> SetOp, int[][] Shapes, Domain Domain = Domain.AwayFromZero,
        Dictionary<int, double[]>? Fixed = null)
    {
        public override string ToString() => Name;
    }

    private static OpSpec Spec(string name, OpCase opCase, Action<Node> setOp, params int[][] shapes) => new(name, opCase, setOp, shapes);

    public static readonly OpSpec[] Specs =
    [
        Spec("add [2,3]+[3]", OpCase.Add, n => n.Add = new(), [2, 3], [3]),
        Spec("add [2,1]+[1,3]", OpCase.Add, n => n.Add = new(), [2, 1], [1, 3]),
        Spec("add []+[2]", OpCase.Add, n => n.Add = new(), [], [2]),
        Spec("sub [2,3]-[2,1]", OpCase.Sub, n => n.Sub = new(), [2, 3], [2, 1]),
        Spec("mul [3]*[2,3]", OpCase.Mul, n => n.Mul = new(), [3], [2, 3]),
        Spec("div [2,3]/[3]", OpCase.Div, n => n.Div = new(), [2, 3], [3]) with { Domain = Domain.Positive },
        Spec("pow x^3", OpCase.Pow, n => n.Pow = new Pow { Exponent = 3 }, [4]),
        Spec("pow x^0.5", OpCase.Pow, n => n.Pow = new Pow { Exponent = 0.5 }, [4]) with { Domain = Domain.Positive },
        Spec("pow x^-1.5", OpCase.Pow, n => n.Pow = new Pow { Exponent = -1.5 }, [4]) with { Domain = Domain.Positive },
        Spec("pow [2,3]^[3]", OpCase.Pow, n => n.Pow = new Pow(), [2, 3], [3]) with { Domain = Domain.Positive },
        Spec("maximum [2,3],[3]", OpCase.Maximum, n => n.Maximum = new(), [2, 3], [3]),
        Spec("minimum [2,3],[2,3]", OpCase.Minimum, n => n.Minimum = new(), [2, 3], [2, 3]),
        Spec("neg", OpCase.Neg, n => n.Neg = new(), [2, 3]),
        Spec("exp", OpCase.Exp, n => n.Exp = new(), [2, 3]),
        Spec("log", OpCase.Log, n => n.Log = new(), [2, 3]) with { Domain = Domain.Positive },
        Spec("sqrt", OpCase.Sqrt, n => n.Sqrt = new(), [2, 3]) with { Domain = Domain.Positive },
        Spec("square", OpCase.Square, n => n.Square = new(), [2, 3]),
        Spec("abs", OpCase.Abs, n => n.Abs = new(), [2, 3]),
        Spec("sin", OpCase.Sin, n => n.Sin = new(), [2, 3]),
        Spec("cos", OpCase.Cos, n => n.Cos = new(), [2, 3]),
        Spec("tanh", OpCase.Tanh, n => n.Tanh = new(), [2, 3]),
        Spec("sigmoid", OpCase.Sigmoid, n => n.Sigmoid = new(), [2, 3]),
        Spec("relu", OpCase.Relu, n => n.Relu = new(), [2, 3]),
        Spec("sign", OpCase.Sign, n => n.Sign = new(), [2, 3]),
        Spec("identity", OpCase.Identity, n => n.Identity = new(), [2, 3]),
        Spec("broadcast_to [3] to [2,3]", OpCase.BroadcastTo, n => n.BroadcastTo = new BroadcastTo { Shape = { 2, 3 } }, [3]),
        Spec("broadcast_to [2,1] to [2,2,3]", OpCase.BroadcastTo, n => n.BroadcastTo = new BroadcastTo { Shape = { 2, 2, 3 } }, [2, 1]),
        Spec("matmul [2,3]x[3,4]", OpCase.Matmul, n => n.Matmul = new(), [2, 3], [3, 4]),
        Spec("matmul [3]x[3,2]", OpCase.Matmul, n => n.Matmul = new(), [3], [3, 2]),
        Spec("matmul [2,3]x[3]", OpCase.Matmul, n => n.Matmul = new(), [2, 3], [3]),
        Spec("matmul [3]x[3]", OpCase.Matmul, n => n.Matmul = new(), [3], [3]),
        Spec("transpose [2,3,4] perm [2,0,1]", OpCase.Transpose, n => n.Transpose = new Transpose { Perm = { 2, 0, 1 } }, [2, 3, 4]),
        Spec("transpose [2,3] reversed", OpCase.Transpose, n => n.Transpose = new(), [2, 3]),
        Spec("reshape [2,3] to [3,-1]", OpCase.Reshape, n => n.Reshape = new Reshape { Shape = { 3, -1 } }, [2, 3]),
        Spec("sum all", OpCase.Sum, n => n.Sum = new(), [2, 3]),
        Spec("sum axis 1 keep", OpCase.Sum, n => n.Sum = new Sum { Axes = { 1 }, KeepDims = true }, [2, 3]),
        Spec("sum axes 0,2", OpCase.Sum, n => n.Sum = new Sum { Axes = { 0, 2 } }, [2, 3, 2]),
        Spec("mean axis -1", OpCase.Mean, n => n.Mean = new Mean { Axes = { -1 } }, [2, 3]),
        Spec("mean all", OpCase.Mean, n => n.Mean = new(), [2, 3]),
        Spec("softmax last axis", OpCase.Softmax, n => n.Softmax = new(), [2, 3]),
        Spec("softmax axis 0", OpCase.Softmax, n => n.Softmax = new Softmax { Axis = 0 }, [3, 2, 2]),
        Spec("log_softmax last axis", OpCase.LogSoftmax, n => n.LogSoftmax = new(), [2, 4]),
        Spec("log_softmax axis 1", OpCase.LogSoftmax, n => n.LogSoftmax = new LogSoftmax { Axis = 1 }, [2, 3, 2]),
        Spec("mse mean [2,3] vs [3]", OpCase.Mse, n => n.Mse = new(), [2, 3], [3]),
        Spec("mse sum", OpCase.Mse, n => n.Mse = new Mse { Reduction = Reduction.Sum }, [2, 3], [2, 3]),
        Spec("cross_entropy indices", OpCase.CrossEntropy, n => n.CrossEntropy = new(), [3, 4], [3]) with
        {
            Fixed = new() { [1] = [0, 3, 1] },
        },
        Spec("cross_entropy one sample", OpCase.CrossEntropy, n => n.CrossEntropy = new(), [4], []) with
        {
            Fixed = new() { [1] = [2] },
        },
        Spec("cross_entropy probabilities sum", OpCase.CrossEntropy, n => n.CrossEntropy = new CrossEntropy { Reduction = Reduction.Sum }, [3, 4], [3, 4]) with
        {
            Domain = Domain.Positive,
        },
    ];

    public static TheoryData<OpSpec> AllSpecs() => new(Specs);

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Backward_MatchesCentralDifferences(OpSpec spec)
    {
        var random = new Random(spec.Name.Length * 7919 + (int)spec.Case);
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
            inputs[k] = builder.Input($"operand{k}", Enumerable.Range(0, count).Select(_ => Draw(random, spec.Domain)).ToArray(), shape);
        }
        var node = builder.Op("op", spec.SetOp, inputs);

        GradientChecker.Check(builder.Graph, node, random);
    }

    [Fact]
    public void Specs_CoverEveryOpInTheOpTable()
    {
        var covered = Specs.Select(spec => spec.Case).ToHashSet();
        var missing = OpTable.Known.Where(c => c is not (OpCase.Input or OpCase.Constant) && !covered.Contains(c));
        Assert.Empty(missing);
    }

    private static double Draw(Random random, Domain domain)
    {
        var magnitude = 0.5 + 1.5 * random.NextDouble();
        return domain == Domain.Positive || random.Next(2) == 0 ? magnitude : -magnitude;
    }
}
