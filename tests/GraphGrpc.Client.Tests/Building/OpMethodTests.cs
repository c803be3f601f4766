using GraphGrpc.Client.Building;
using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Ops;

namespace GraphGrpc.Client.Tests.Building;

public sealed class OpMethodTests
{
    /// <summary>One node of every op, on x = [[1, 2, 3], [4, 5, 6]], with each attribute set by the method's arguments.</summary>
    private static readonly Dictionary<string, Func<GraphBuilder, NodeRef, NodeRef>> Ops = new()
    {
        ["add"] = (g, x) => g.Add(x, 1),
        ["sub"] = (g, x) => g.Sub(1, x),
        ["mul"] = (g, x) => g.Mul(x, x),
        ["div"] = (g, x) => g.Div(x, 2),
        ["pow, constant exponent"] = (g, x) => g.Pow(x, 2),
        ["pow, tensor exponent"] = (g, x) => g.Pow(x, g.Constant([2, 0, 1])),
        ["maximum"] = (g, x) => g.Maximum(x, 3.5),
        ["minimum"] = (g, x) => g.Minimum(x, 3.5),
        ["neg"] = (g, x) => g.Neg(x),
        ["exp"] = (g, x) => g.Exp(x),
        ["log"] = (g, x) => g.Log(x),
        ["sqrt"] = (g, x) => g.Sqrt(x),
        ["square"] = (g, x) => g.Square(x),
        ["abs"] = (g, x) => g.Abs(-x),
        ["sin"] = (g, x) => g.Sin(x),
        ["cos"] = (g, x) => g.Cos(x),
        ["tanh"] = (g, x) => g.Tanh(x),
        ["sigmoid"] = (g, x) => g.Sigmoid(x),
        ["relu"] = (g, x) => g.Relu(x - 3),
        ["sign"] = (g, x) => g.Sign(x - 3),
        ["identity"] = (g, x) => g.Identity(x),
        ["broadcast_to"] = (g, x) => g.BroadcastTo(g.Sum(x, [0]), [2, 3]),
        ["matmul"] = (g, x) => g.MatMul(x, g.Constant([1, 0, -1])),
        ["transpose"] = (g, x) => g.Transpose(x),
        ["transpose, perm"] = (g, x) => g.Transpose(x, [1, 0]),
        ["reshape"] = (g, x) => g.Reshape(x, [3, -1]),
        ["sum"] = (g, x) => g.Sum(x),
        ["sum, axes and keepDims"] = (g, x) => g.Sum(x, [1], keepDims: true),
        ["mean, axes"] = (g, x) => g.Mean(x, [0]),
        ["mean, negative axis and keepDims"] = (g, x) => g.Mean(x, [-1], keepDims: true),
        ["softmax"] = (g, x) => g.Softmax(x),
        ["softmax, axis"] = (g, x) => g.Softmax(x, 0),
        ["log_softmax"] = (g, x) => g.LogSoftmax(x),
        ["log_softmax, axis"] = (g, x) => g.LogSoftmax(x, axis: 0),
        ["mse"] = (g, x) => g.Mse(x, 0),
        ["mse, sum"] = (g, x) => g.Mse(x, 0, Reduction.Sum),
        ["cross_entropy"] = (g, x) => g.CrossEntropy(x, g.Constant([0, 2])),
        ["cross_entropy, sum"] = (g, x) => g.CrossEntropy(x, g.Constant([0, 2]), Reduction.Sum),
    };

    private static readonly double[] X = [1, 2, 3, 4, 5, 6];

    public static TheoryData<string, int[], double[]> Expected()
    {
        static double[] Each(Func<double, double> f) => [.. X.Select(f)];
        var rowLogSumExp = new[] { 3 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2)), 6 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2)) };
        double[] logSoftmaxRows = [.. X.Select((v, i) => v - rowLogSumExp[i / 3])];
        // Down a column the two values differ by 3, so softmax gives 1 / (1 + e^3) to the top one.
        var top = 1 / (1 + Math.Exp(3));
        var crossEntropySum = -(logSoftmaxRows[0] + logSoftmaxRows[5]);
        return new TheoryData<string, int[], double[]>
        {
            { "add", [2, 3], Each(v => v + 1) },
            { "sub", [2, 3], Each(v => 1 - v) },
            { "mul", [2, 3], Each(v => v * v) },
            { "div", [2, 3], Each(v => v / 2) },
            { "pow, constant exponent", [2, 3], Each(v => v * v) },
            { "pow, tensor exponent", [2, 3], [1, 1, 3, 16, 1, 6] },
            { "maximum", [2, 3], [3.5, 3.5, 3.5, 4, 5, 6] },
            { "minimum", [2, 3], [1, 2, 3, 3.5, 3.5, 3.5] },
            { "neg", [2, 3], Each(v => -v) },
            { "exp", [2, 3], Each(Math.Exp) },
            { "log", [2, 3], Each(Math.Log) },
            { "sqrt", [2, 3], Each(Math.Sqrt) },
            { "square", [2, 3], Each(v => v * v) },
            { "abs", [2, 3], X },
            { "sin", [2, 3], Each(Math.Sin) },
            { "cos", [2, 3], Each(Math.Cos) },
            { "tanh", [2, 3], Each(Math.Tanh) },
            { "sigmoid", [2, 3], Each(v => 1 / (1 + Math.Exp(-v))) },
            { "relu", [2, 3], [0, 0, 0, 1, 2, 3] },
            { "sign", [2, 3], [-1, -1, 0, 1, 1, 1] },
            { "identity", [2, 3], X },
            { "broadcast_to", [2, 3], [5, 7, 9, 5, 7, 9] },
            { "matmul", [2], [-2, -2] },
            { "transpose", [3, 2], [1, 4, 2, 5, 3, 6] },
            { "transpose, perm", [3, 2], [1, 4, 2, 5, 3, 6] },
            { "reshape", [3, 2], X },
            { "sum", [], [21] },
            { "sum, axes and keepDims", [2, 1], [6, 15] },
            { "mean, axes", [3], [2.5, 3.5, 4.5] },
            { "mean, negative axis and keepDims", [2, 1], [2, 5] },
            { "softmax", [2, 3], [.. logSoftmaxRows.Select(v => Math.Exp(v))] },
            { "softmax, axis", [2, 3], [top, top, top, 1 - top, 1 - top, 1 - top] },
            { "log_softmax", [2, 3], logSoftmaxRows },
            { "log_softmax, axis", [2, 3], [.. new[] { top, top, top, 1 - top, 1 - top, 1 - top }.Select(v => Math.Log(v))] },
            { "mse", [], [91.0 / 6] },
            { "mse, sum", [], [91] },
            { "cross_entropy", [], [crossEntropySum / 2] },
            { "cross_entropy, sum", [], [crossEntropySum] },
        };
    }

    [Theory]
    [MemberData(nameof(Expected))]
    public void Op_OnAMatrix_GivesWhatTheOpAndItsAttributesMean(string op, int[] shape, double[] values)
    {
        var g = new GraphBuilder();
        var x = g.Input("x", X, [2, 3]);

        var node = Ops[op](g, x);

        var result = InProcess.Evaluate(g.ToGraph(), node.Id).ValueOf(node.Id);
        Assert.Equal(shape, result.Shape);
        Assert.Equal(values, result.Data, (a, b) => Math.Abs(a - b) <= 1e-14 * Math.Max(1, Math.Abs(a)));
    }

    [Fact]
    public void Op_EveryCase_IsInTheTable()
    {
        Assert.Equal(Ops.Count, Expected().Count);
    }

    [Fact]
    public void Builder_EveryOpOfTheEngine_HasAMethodNamedAsTheEngineNamesIt()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", X, [2, 3]);
        var nodes = Ops.Values.Select(build => build(g, x)).ToList();

        var graph = g.ToGraph();
        var plan = InProcess.Compile(graph).Plan!;

        Assert.Equal(OpTable.Known.Order(), graph.Nodes.Select(node => node.OpCase).Distinct().Order());
        Assert.All(g.Nodes, node => Assert.Equal(plan.Ops[plan.SlotOf(node.Id)].Name, node.Op));
    }

    [Fact]
    public void Pow_ConstantExponent_IsAnAttributeNotAnOperand()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 2);

        var constant = g.ToGraphNode(g.Pow(x, 3));
        var tensor = g.ToGraphNode(g.Pow(x, x));

        Assert.Equal(3, constant.Pow.Exponent);
        Assert.Equal(["x"], constant.Inputs);
        Assert.Null(tensor.Pow.Exponent);
        Assert.Equal(["x", "x"], tensor.Inputs);
    }

    [Fact]
    public void Attributes_LeftOut_AreTheOpsDefaults()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", [1, 2]);

        Assert.Null(g.ToGraphNode(g.Softmax(x)).Softmax.Axis);
        Assert.Null(g.ToGraphNode(g.LogSoftmax(x)).LogSoftmax.Axis);
        Assert.Empty(g.ToGraphNode(g.Transpose(x)).Transpose.Perm);
        Assert.Empty(g.ToGraphNode(g.Sum(x)).Sum.Axes);
        Assert.False(g.ToGraphNode(g.Mean(x)).Mean.KeepDims);
        Assert.Equal(Reduction.Mean, g.ToGraphNode(g.Mse(x, x)).Mse.Reduction);
        Assert.Equal(Reduction.Mean, g.ToGraphNode(g.CrossEntropy(x, x)).CrossEntropy.Reduction);
    }
}
