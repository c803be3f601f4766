using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Ops.Leaves;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// Makes the gradient of a graph into a graph: reverse mode run symbolically. The walk is the evaluator's,
/// in reverse Kahn order over the nodes between an output and a wrt node, but each op's
/// <see cref="Ops.Op.SymbolicBackward"/> emits graph ops instead of numbers, and shares meeting at a fork
/// are summed with add nodes. The result can be evaluated, drawn, or differentiated again.
/// </summary>
public static class Differentiator
{
    public static DifferentiationResult Differentiate(Proto.Graph graph, DifferentiationRequest request, GraphLimits? limits = null)
    {
        var compilation = GraphCompiler.Compile(graph, limits);
        var outputs = request.Outputs.Count > 0 ? request.Outputs : compilation.DefaultOutputs;
        var problems = compilation.Problems.Concat(compilation.CheckRequest(new EvaluationRequest { Outputs = outputs, Wrt = request.Wrt })).ToList();
        if (problems.Count == 0 && outputs.Count == 0)
        {
            problems.Add(new GraphProblem("", ProblemKind.UnknownOutput,
                $"the graph has {compilation.Sinks.Count} sinks ({string.Join(", ", compilation.Sinks)}); name the output(s) to differentiate"));
        }
        if (problems.Count > 0 || compilation.Plan is not { } plan)
        {
            return new DifferentiationResult(problems, null, [], []);
        }

        var emit = new GraphEmitter(plan);
        var names = new NodeNames(plan);
        var wrt = request.Wrt.Count > 0
            ? request.Wrt.Select(plan.SlotOf).Distinct().ToArray()
            : Enumerable.Range(0, plan.Count).Where(slot => plan.Ops[slot] is LeafOp { IsVariable: true }).ToArray();
        var sinks = new List<(GradientSink Sink, SymbolicTensor Node)>();
        var seeds = new List<SeedInput>();
        foreach (var output in outputs.Distinct())
        {
            var slot = plan.SlotOf(output);
            SymbolicTensor seed;
            if (request.SeedsAsInputs)
            {
                var seedId = names.Unique($"seed({output})");
                seed = emit.NewInput(Tensor.Filled(plan.Shapes[slot], 1), seedId);
                seeds.Add(new SeedInput(seedId, output));
            }
            else
            {
                seed = emit.Constant(1, plan.Shapes[slot]);
            }
            var adjoints = Backward(plan, emit, names, slot, seed, wrt);
            foreach (var w in wrt)
            {
                var sinkId = names.Unique($"grad({output}, {plan.Ids[w]})");
                sinks.Add((new GradientSink(sinkId, output, plan.Ids[w]), Sink(emit, adjoints[w], plan.Shapes[w], sinkId)));
            }
        }
        return new DifferentiationResult([], GradientGraph.Write(graph, emit, names, sinks.Select(s => s.Node)), [.. sinks.Select(s => s.Sink)], seeds);
    }

    /// <summary>Every slot's adjoint (the gradient of the output with respect to it), for the slots between the output and the wrt slots.</summary>
    private static SymbolicTensor?[] Backward(Plan plan, GraphEmitter emit, NodeNames names, int output, SymbolicTensor seed, int[] wrt)
    {
        var onPath = PathSlots.Between(plan, [output], wrt);
        var adjoints = new SymbolicTensor?[plan.Count];
        adjoints[output] = onPath[output] ? seed : null;
        var operands = new SymbolicTensor[plan.Inputs.Length == 0 ? 0 : plan.Inputs.Max(inputs => inputs.Length)];
        for (var slot = output; slot >= 0; slot--)
        {
            if (adjoints[slot] is not { } gradient || plan.Ops[slot] is LeafOp)
            {
                continue;
            }
            // The adjoint is final here: a node of its own takes the name of what it is.
            names.Suggest(emit, gradient, $"grad({plan.Ids[output]}, {plan.Ids[slot]})");
            var inputs = plan.Inputs[slot];
            for (var k = 0; k < inputs.Length; k++)
            {
                operands[k] = emit.Original(inputs[k]);
            }
            for (var k = 0; k < inputs.Length; k++)
            {
                if (!onPath[inputs[k]])
                {
                    continue;
                }
                var share = plan.Ops[slot].SymbolicBackward(k, operands.AsSpan(0, inputs.Length), emit.Original(slot), gradient, emit);
                adjoints[inputs[k]] = emit.Add(adjoints[inputs[k]], share);
            }
        }
        return adjoints;
    }

    /// <summary>The sink for a gradient: its node when that is new and unnamed, else a node of its own (zeros, or the identity of the node).</summary>
    private static SymbolicTensor Sink(GraphEmitter emit, SymbolicTensor? gradient, int[] shape, string sinkId)
    {
        var node = gradient is null ? emit.Identity(emit.Constant(0, shape))
            : emit.IsAdded(gradient) && emit.AddedAt(gradient) is { Name: null } added && added.Op is not LeafOp ? gradient
            : emit.Identity(gradient);
        emit.AddedAt(node).Name = sinkId;
        return node;
    }
}
