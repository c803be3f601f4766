using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Validation;
using ProblemKind = GraphGrpc.Engine.Validation.ProblemKind;
using Google.Protobuf;
using OpCase = GraphGrpc.Contracts.V1.Node.OpOneofCase;

namespace GraphGrpc.Engine.Tests;

/// <summary>Every validation error: each names its node and says what is wrong, and all are reported at once.</summary>
public sealed class ValidationTests
{
    private static GraphProblem Single(Graph graph, GraphLimits? limits = null)
    {
        var compilation = GraphCompiler.Compile(graph, limits);
        Assert.False(compilation.IsValid);
        return Assert.Single(compilation.Problems);
    }

    [Fact]
    public void Compile_EmptyId_NamesThePosition()
    {
        var b = new GraphBuilder();
        b.Input("", 1);

        var problem = Single(b.Graph);

        Assert.Equal(ProblemKind.EmptyId, problem.Kind);
        Assert.Contains("node #0", problem.Message);
    }

    [Fact]
    public void Compile_DuplicateId_NamesBothPositions()
    {
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Input("x", 2);

        var problem = Single(b.Graph);

        Assert.Equal(new GraphProblem("x", ProblemKind.DuplicateId, "id is used by node #0 and again by node #1 (counting from 0)"), problem);
    }

    [Fact]
    public void Compile_NodeWithoutOp_IsMissingOp()
    {
        var graph = new Graph { Nodes = { new Node { Id = "lonely" } } };

        var problem = Single(graph);

        Assert.Equal(new GraphProblem("lonely", ProblemKind.MissingOp, "has no op"), problem);
    }

    [Fact]
    public void OpTable_HasARuleForEveryOpInTheProto()
    {
        var all = Enum.GetValues<OpCase>().Where(c => c != OpCase.None);

        Assert.Equal(all.Order(), OpTable.Known.Order());
    }

    [Fact]
    public void Compile_UnknownInput_NamesTheMissingReference()
    {
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Op("y", n => n.Add = new(), "x", "ghost");

        var problem = Single(b.Graph);

        Assert.Equal(new GraphProblem("y", ProblemKind.UnknownInput, "input 'ghost' is not a node of the graph"), problem);
    }

    [Theory]
    [InlineData(1, "add takes 2 inputs but has 1")]
    [InlineData(3, "add takes 2 inputs but has 3")]
    public void Compile_WrongArity_SaysHowManyInputsTheOpTakes(int given, string message)
    {
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Op("y", n => n.Add = new(), Enumerable.Repeat("x", given).ToArray());

        Assert.Equal(new GraphProblem("y", ProblemKind.WrongArity, message), Single(b.Graph));
    }

    [Fact]
    public void Compile_PowWithExponentAndTwoInputs_IsWrongArity()
    {
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Op("y", n => n.Pow = new Pow { Exponent = 2 }, "x", "x");

        Assert.Equal(ProblemKind.WrongArity, Single(b.Graph).Kind);
    }

    [Fact]
    public void Compile_LeafWithoutValue_IsMissingValue()
    {
        var graph = new Graph { Nodes = { new Node { Id = "x", Input = new Input() } } };

        Assert.Equal(new GraphProblem("x", ProblemKind.MissingValue, "input has no value"), Single(graph));
    }

    public static TheoryData<string, Contracts.V1.Tensor, string> InvalidTensors() => new()
    {
        { "too few values", new Contracts.V1.Tensor { Shape = { 2, 2 }, Values = { 1, 2, 3 } }, "shape [2, 2] needs 4 values but 3 were given" },
        { "values and raw", new Contracts.V1.Tensor { Values = { 1 }, Raw = ByteString.CopyFrom(new byte[8]) }, "both values and raw are set" },
        { "raw length", new Contracts.V1.Tensor { Shape = { 2 }, Raw = ByteString.CopyFrom(new byte[12]) }, "needs 16 raw bytes (2 float64) but 12 were given" },
        { "negative dimension", new Contracts.V1.Tensor { Shape = { 2, -1 } }, "dimension 1 is -1" },
    };

    [Theory]
    [MemberData(nameof(InvalidTensors))]
    public void Compile_MalformedLeafValue_IsInvalidValue(string caseName, Contracts.V1.Tensor value, string expected)
    {
        var graph = new Graph { Nodes = { new Node { Id = "x", Constant = new Constant { Value = value } } } };

        var problem = Single(graph);

        Assert.Equal(ProblemKind.InvalidValue, problem.Kind);
        Assert.Equal("x", problem.NodeId);
        Assert.True(problem.Message.Contains(expected, StringComparison.Ordinal), $"{caseName}: {problem.Message}");
    }

    public static TheoryData<string, Action<Node>, int[], int[], string> ShapeMismatches() => new()
    {
        { "broadcast", n => n.Add = new(), [2, 3], [4], "shapes [2, 3] and [4] cannot broadcast" },
        { "matmul inner", n => n.Matmul = new(), [2, 3], [2, 3], "inner dimensions 3 and 2 differ" },
        { "matmul rank", n => n.Matmul = new(), [2, 2, 2], [2, 2], "matmul takes matrices or vectors" },
        { "mse", n => n.Mse = new(), [3], [2], "cannot broadcast" },
        { "cross entropy target", n => n.CrossEntropy = new(), [3, 4], [4], "fits neither class indices [3] nor probabilities [3, 4]" },
    };

    [Theory]
    [MemberData(nameof(ShapeMismatches))]
    public void Compile_OperandsThatDoNotFit_AreShapeMismatch(string caseName, Action<Node> setOp, int[] left, int[] right, string expected)
    {
        var b = new GraphBuilder();
        b.Input("a", new double[left.Aggregate(1, (p, d) => p * d)], left);
        b.Input("b", new double[right.Aggregate(1, (p, d) => p * d)], right);
        b.Op("op", setOp, "a", "b");

        var problem = Single(b.Graph);

        Assert.Equal(ProblemKind.ShapeMismatch, problem.Kind);
        Assert.Equal("op", problem.NodeId);
        Assert.True(problem.Message.Contains(expected, StringComparison.Ordinal), $"{caseName}: {problem.Message}");
    }

    public static TheoryData<string, Action<Node>, string> BadAttributes() => new()
    {
        { "sum axis", n => n.Sum = new Sum { Axes = { 2 } }, "axis 2 is out of range for rank 2" },
        { "mean axis twice", n => n.Mean = new Mean { Axes = { 1, -1 } }, "axis -1 is listed twice" },
        { "softmax axis", n => n.Softmax = new Softmax { Axis = -3 }, "axis -3 is out of range for rank 2" },
        { "transpose perm length", n => n.Transpose = new Transpose { Perm = { 0 } }, "perm has 1 axes but the input has rank 2" },
        { "transpose perm repeat", n => n.Transpose = new Transpose { Perm = { 1, 1 } }, "lists axis 1 twice" },
        { "reshape count", n => n.Reshape = new Reshape { Shape = { 4 } }, "cannot reshape [2, 3] (6 elements) to [4]" },
        { "reshape two -1", n => n.Reshape = new Reshape { Shape = { -1, -1 } }, "only one -1" },
    };

    [Theory]
    [MemberData(nameof(BadAttributes))]
    public void Compile_AttributeThatDoesNotFitTheOperand_IsShapeMismatch(string caseName, Action<Node> setOp, string expected)
    {
        var b = new GraphBuilder();
        b.Input("x", new double[6], 2, 3);
        b.Op("op", setOp, "x");

        var problem = Single(b.Graph);

        Assert.Equal(ProblemKind.ShapeMismatch, problem.Kind);
        Assert.True(problem.Message.Contains(expected, StringComparison.Ordinal), $"{caseName}: {problem.Message}");
    }

    [Fact]
    public void Compile_UndefinedReductionFromTheWire_IsInvalidValue()
    {
        // Found by the fuzz driver: an enum number outside the proto's set used to escape as an exception.
        var b = new GraphBuilder();
        b.Input("p", new double[2], 2);
        b.Input("t", new double[2], 2);
        b.Op("loss", n => n.Mse = new Mse { Reduction = (Reduction)3 }, "p", "t");

        Assert.Equal(new GraphProblem("loss", ProblemKind.InvalidValue, "reduction 3 is not one of REDUCTION_UNSPECIFIED, REDUCTION_MEAN, REDUCTION_SUM"), Single(b.Graph));
    }

    [Fact]
    public void Compile_Cycle_PrintsTheNodesInOrder()
    {
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Op("c", n => n.Exp = new(), "b");
        b.Op("a", n => n.Add = new(), "x", "c");
        b.Op("b", n => n.Neg = new(), "a");
        b.Op("after", n => n.Sin = new(), "b");

        var problem = Single(b.Graph);

        // The node after the cycle is unsorted too, but is not on it and is not blamed.
        Assert.Equal(new GraphProblem("c", ProblemKind.Cycle, "is on a cycle: c -> a -> b -> c"), problem);
    }

    [Fact]
    public void Compile_SelfLoop_IsACycleOfOne()
    {
        var b = new GraphBuilder();
        b.Op("loop", n => n.Neg = new(), "loop");

        Assert.Equal(new GraphProblem("loop", ProblemKind.Cycle, "is on a cycle: loop -> loop"), Single(b.Graph));
    }

    [Fact]
    public void Compile_TwoSeparateCycles_ReportsBoth()
    {
        var b = new GraphBuilder();
        b.Op("p", n => n.Neg = new(), "q");
        b.Op("q", n => n.Neg = new(), "p");
        b.Op("r", n => n.Neg = new(), "s");
        b.Op("s", n => n.Neg = new(), "r");

        var problems = GraphCompiler.Compile(b.Graph).Problems;

        Assert.Equal(["is on a cycle: p -> q -> p", "is on a cycle: r -> s -> r"], problems.Select(p => p.Message));
    }

    [Fact]
    public void CheckRequest_UnknownOutputWrtAndMisfitSeed_AreEachNamed()
    {
        var b = new GraphBuilder();
        b.Input("x", new double[2], 2);
        b.Op("y", n => n.Exp = new(), "x");
        var compilation = GraphCompiler.Compile(b.Graph);

        var problems = compilation.CheckRequest(new EvaluationRequest
        {
            Outputs = ["y", "nope"],
            Wrt = ["nada"],
            Seeds = new Dictionary<string, Tensors.Tensor> { ["y"] = Tensors.Tensor.Scalar(1), ["x"] = Tensors.Tensor.Zeros([2]) },
        });

        Assert.Equal(
        [
            new GraphProblem("nope", ProblemKind.UnknownOutput, "is asked for as an output but is not a node of the graph"),
            new GraphProblem("nada", ProblemKind.UnknownWrt, "is asked for a gradient but is not a node of the graph"),
            new GraphProblem("y", ProblemKind.InvalidSeed, "seed has shape [] but the output has shape [2]"),
            new GraphProblem("x", ProblemKind.InvalidSeed, "has a seed but is not one of the outputs"),
        ], problems);
    }

    [Fact]
    public void Compile_TooManyNodes_IsLimitExceededBeforeAnyOtherWork()
    {
        var b = new GraphBuilder();
        for (var i = 0; i < 11; i++)
        {
            b.Input($"x{i}", 1);
        }

        var problem = Single(b.Graph, new GraphLimits { MaxNodes = 10 });

        Assert.Equal(new GraphProblem("", ProblemKind.LimitExceeded, "the graph has 11 nodes, more than the limit of 10"), problem);
    }

    [Fact]
    public void CheckRequest_GraphOverTheNodeLimit_DoesNotCallExistingNodesUnknown()
    {
        // Found by a newcomer: the node limit refuses the graph before indexing it, and every named
        // output and wrt node then looked unknown.
        var b = new GraphBuilder();
        b.Input("x", 1);
        b.Op("y", n => n.Exp = new(), "x");
        var compilation = GraphCompiler.Compile(b.Graph, new GraphLimits { MaxNodes = 1 });

        Assert.Empty(compilation.CheckRequest(new EvaluationRequest { Outputs = ["y"], Wrt = ["x"] }));
        Assert.Equal(ProblemKind.LimitExceeded, Assert.Single(compilation.Problems).Kind);
    }

    [Fact]
    public void Compile_LeafLargerThanTheElementLimit_IsLimitExceeded()
    {
        var graph = new Graph { Nodes = { new Node { Id = "big", Input = new Input { Value = new Contracts.V1.Tensor { Shape = { 1000, 1000 } } } } } };

        var problem = Single(graph, new GraphLimits { MaxTensorElements = 1000 });

        Assert.Equal(ProblemKind.LimitExceeded, problem.Kind);
        Assert.Equal("big", problem.NodeId);
    }

    [Fact]
    public void Compile_ComputedTensorLargerThanTheElementLimit_IsLimitExceeded()
    {
        var b = new GraphBuilder();
        b.Input("col", new double[100], 100, 1);
        b.Input("row", new double[100], 1, 100);
        b.Op("outer", n => n.Mul = new(), "col", "row");

        var problem = Single(b.Graph, new GraphLimits { MaxTensorElements = 1000 });

        Assert.Equal(ProblemKind.LimitExceeded, problem.Kind);
        Assert.Equal("outer", problem.NodeId);
        Assert.Contains("[100, 100], 10000 elements", problem.Message);
    }

    [Fact]
    public void Compile_ManyProblems_ReportsEveryOneAtOnce()
    {
        var b = new GraphBuilder();
        b.Input("x", new double[6], 2, 3);
        b.Input("x", 1);
        b.Op("u", n => n.Log = new(), "missing");
        b.Op("v", n => n.Add = new(), "x");
        b.Op("w", n => n.Add = new(), "x", "v2");
        b.Op("v2", n => n.Matmul = new(), "x", "x");
        b.Op("loop", n => n.Neg = new(), "loop");
        b.Graph.Nodes.Add(new Node { Id = "none" });

        var kinds = GraphCompiler.Compile(b.Graph).Problems.Select(p => (p.NodeId, p.Kind)).ToList();

        Assert.Equal(
        [
            ("x", ProblemKind.DuplicateId),
            ("u", ProblemKind.UnknownInput),
            ("v", ProblemKind.WrongArity),
            ("none", ProblemKind.MissingOp),
            ("loop", ProblemKind.Cycle),
            ("v2", ProblemKind.ShapeMismatch),
        ], kinds);
    }
}
