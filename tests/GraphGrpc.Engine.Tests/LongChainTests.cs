using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Validation;
using ProblemKind = GraphGrpc.Engine.Validation.ProblemKind;

namespace GraphGrpc.Engine.Tests;

/// <summary>Nothing recurses: a chain of a million nodes validates, evaluates and differentiates, and a cycle that long is reported.</summary>
public sealed class LongChainTests
{
    private const int Length = 1_000_000;

    private static Graph Chain(bool closeTheLoop)
    {
        var b = new GraphBuilder();
        b.Input("x", 0.5);
        b.Constant("k", 1.000001);
        for (var i = 1; i <= Length; i++)
        {
            var previous = i == 1 ? (closeTheLoop ? $"n{Length}" : "x") : $"n{i - 1}";
            b.Op($"n{i}", n => n.Mul = new(), previous, "k");
        }
        return b.Graph;
    }

    [Fact]
    public void Evaluate_MillionNodeChain_ValidatesEvaluatesAndDifferentiates()
    {
        var compilation = GraphCompiler.Compile(Chain(closeTheLoop: false));
        Assert.True(compilation.IsValid);

        var result = Evaluator.Evaluate(compilation.Plan!, new EvaluationRequest { Outputs = [$"n{Length}"] });

        // y = x·k^N, so ∂y/∂x = k^N; the product of a million roundings stays within 1e-9 of it.
        var expected = Math.Pow(1.000001, Length);
        Assert.Equal(0.5 * expected, result.ValueOf($"n{Length}").Data[0], 1e-9);
        Assert.Equal(expected, result.GradientOf("x")!.Data[0], 1e-9);
        // The constant is used a million times but needs no gradient.
        Assert.Null(result.GradientOf("k"));
    }

    [Fact]
    public void Compile_MillionNodeCycle_IsReportedWithItsEnds()
    {
        var compilation = GraphCompiler.Compile(Chain(closeTheLoop: true));

        var problem = Assert.Single(compilation.Problems);
        Assert.Equal(ProblemKind.Cycle, problem.Kind);
        Assert.StartsWith("is on a cycle: n1 -> n2 -> ", problem.Message);
        Assert.EndsWith($"-> n{Length} -> n1 ({Length} nodes)", problem.Message);
    }
}
