using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Compilation;

/// <summary>
/// Validates a graph and compiles it into a <see cref="Plan"/>. It reports every problem it can
/// find in one pass rather than stopping at the first, each naming its node: ids, ops and values,
/// references and arity, cycles (from what Kahn's algorithm leaves unsorted), then shapes.
/// Nothing recurses, so a graph a million nodes deep is as safe as a small one.
/// </summary>
public static class GraphCompiler
{
    public static Compilation Compile(Proto.Graph graph, GraphLimits? limits = null)
    {
        limits ??= GraphLimits.Default;
        var problems = new List<GraphProblem>();
        var nodes = graph.Nodes;
        if (nodes.Count > limits.MaxNodes)
        {
            problems.Add(new GraphProblem("", ProblemKind.LimitExceeded,
                $"the graph has {nodes.Count} nodes, more than the limit of {limits.MaxNodes}"));
            // Nothing was indexed, so a request's node names cannot be checked against it either.
            return new Compilation(problems, null, indexById: null);
        }
        if (nodes.Count == 0)
        {
            // A file holding {} is a well-formed graph message, but has nothing to evaluate and no sink to differentiate.
            problems.Add(new GraphProblem("", ProblemKind.MissingValue, "the graph is empty: it has no nodes"));
        }

        var indexById = IndexIds(nodes, problems, out var excluded);
        var ops = new Op?[nodes.Count];
        var inputs = new int[nodes.Count][];
        for (var i = 0; i < nodes.Count; i++)
        {
            inputs[i] = excluded[i] ? [] : ResolveInputs(nodes[i], indexById, problems);
            if (!excluded[i])
            {
                ops[i] = CreateOp(nodes[i], inputs[i].Length, limits, problems);
            }
        }

        var order = KahnOrder(inputs, excluded, out var unsorted);
        foreach (var cycle in CycleFinder.Find(unsorted, inputs))
        {
            problems.Add(new GraphProblem(nodes[cycle[0]].Id, ProblemKind.Cycle, $"is on a cycle: {CyclePath(nodes, cycle)}"));
        }

        var shapes = InferShapes(nodes, order, ops, inputs, limits, problems);
        if (problems.Count > 0)
        {
            return new Compilation(problems, null, indexById, shapes, isInputLeaf: InputLeaves(ops));
        }
        var consumed = new bool[nodes.Count];
        foreach (var operands in inputs)
        {
            foreach (var input in operands)
            {
                consumed[input] = true;
            }
        }
        var sinkNodes = order.Where(i => !consumed[i]).ToArray();

        // Validation is done; the plan is built when first asked for, so callers can time the two apart.
        var plan = new Lazy<Plan>(() =>
        {
            var slotOf = new int[nodes.Count];
            for (var slot = 0; slot < order.Count; slot++)
            {
                slotOf[order[slot]] = slot;
            }
            var ids = new string[order.Count];
            var planOps = new Op[order.Count];
            var planInputs = new int[order.Count][];
            var planShapes = new int[order.Count][];
            for (var slot = 0; slot < order.Count; slot++)
            {
                var node = order[slot];
                ids[slot] = nodes[node].Id;
                planOps[slot] = ops[node]!;
                // Renumbered in place: the compiler is done with node indices, and a million-node plan keeps one array per node, not two.
                var operands = inputs[node];
                for (var k = 0; k < operands.Length; k++)
                {
                    operands[k] = slotOf[operands[k]];
                }
                planInputs[slot] = operands;
                planShapes[slot] = shapes[node]!;
            }
            // The compilation's index of ids serves the plan too, through slotOf, rather than a second dictionary of every id.
            return new Plan(ids, planOps, planInputs, planShapes, sinkNodes.Select(i => slotOf[i]).ToArray(), indexById, slotOf);
        });
        return new Compilation(problems, plan, indexById, shapes, sinkNodes.Select(i => nodes[i].Id).ToArray(), InputLeaves(ops));
    }

    /// <summary>Whether each node is an input leaf; null where its op could not be made, so nothing is said of it.</summary>
    private static bool?[] InputLeaves(Op?[] ops) => [.. ops.Select(op => op is null ? (bool?)null : op is Ops.Leaves.LeafOp { IsVariable: true })];

    /// <summary>The cycle as a -> b -> c -> a; a very long one keeps its ends and says how many nodes it has.</summary>
    private static string CyclePath(IList<Proto.Node> nodes, int[] cycle)
    {
        const int shown = 16;
        var ids = cycle.Select(i => nodes[i].Id);
        if (cycle.Length > shown)
        {
            ids = ids.Take(shown / 2).Append($"... ({cycle.Length - shown * 3 / 4} more) ...").Concat(ids.TakeLast(shown / 4));
        }
        var path = string.Join(" -> ", ids.Append(nodes[cycle[0]].Id));
        return cycle.Length > shown ? $"{path} ({cycle.Length} nodes)" : path;
    }

    /// <summary>Maps each id to its node; empty and repeated ids are problems, and a repeat is left out.</summary>
    private static Dictionary<string, int> IndexIds(IList<Proto.Node> nodes, List<GraphProblem> problems, out bool[] excluded)
    {
        var indexById = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        excluded = new bool[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            var id = nodes[i].Id;
            if (id.Length == 0)
            {
                problems.Add(new GraphProblem("", ProblemKind.EmptyId, $"node #{i} (counting from 0) has an empty id"));
                excluded[i] = true;
            }
            else if (!indexById.TryAdd(id, i))
            {
                problems.Add(new GraphProblem(id, ProblemKind.DuplicateId,
                    $"id is used by node #{indexById[id]} and again by node #{i} (counting from 0)"));
                excluded[i] = true;
            }
        }
        return indexById;
    }

    private static int[] ResolveInputs(Proto.Node node, Dictionary<string, int> indexById, List<GraphProblem> problems)
    {
        var resolved = new int[node.Inputs.Count];
        var count = 0;
        // By index: a RepeatedField's enumerator is an object, one per node.
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            if (indexById.TryGetValue(input, out var index))
            {
                resolved[count++] = index;
            }
            else
            {
                problems.Add(new GraphProblem(node.Id, ProblemKind.UnknownInput, $"input '{input}' is not a node of the graph"));
            }
        }
        return count == resolved.Length ? resolved : resolved[..count];
    }

    private static Op? CreateOp(Proto.Node node, int resolvedInputs, GraphLimits limits, List<GraphProblem> problems)
    {
        Op op;
        try
        {
            op = OpTable.Create(node, limits.MaxTensorElements);
        }
        catch (OpDefinitionException e)
        {
            problems.Add(new GraphProblem(node.Id, e.Kind, e.Message));
            return null;
        }
        if (node.Inputs.Count != op.Arity.Count)
        {
            problems.Add(new GraphProblem(node.Id, ProblemKind.WrongArity,
                $"{op.Name} takes {op.Arity} but has {node.Inputs.Count}"));
            return null;
        }
        // An unknown input was reported already; without all operands the op cannot be checked further.
        return resolvedInputs == op.Arity.Count ? op : null;
    }

    /// <summary>
    /// Kahn's algorithm: repeatedly take a node whose inputs are all placed. The queue starts in
    /// declaration order, so the same graph always sorts the same way. What is never freed is unsorted.
    /// </summary>
    private static List<int> KahnOrder(int[][] inputs, bool[] excluded, out bool[] unsorted)
    {
        var count = inputs.Length;
        var pending = new int[count];
        var consumerCounts = new int[count];
        for (var i = 0; i < count; i++)
        {
            pending[i] = inputs[i].Length;
            foreach (var input in inputs[i])
            {
                consumerCounts[input]++;
            }
        }
        // Consumers in one flat array (compressed rows), to keep a million-node graph light.
        var consumerStart = new int[count + 1];
        for (var i = 0; i < count; i++)
        {
            consumerStart[i + 1] = consumerStart[i] + consumerCounts[i];
        }
        var consumers = new int[consumerStart[count]];
        var fill = (int[])consumerStart.Clone();
        for (var i = 0; i < count; i++)
        {
            foreach (var input in inputs[i])
            {
                consumers[fill[input]++] = i;
            }
        }

        var order = new List<int>(count);
        var ready = new Queue<int>();
        for (var i = 0; i < count; i++)
        {
            if (!excluded[i] && pending[i] == 0)
            {
                ready.Enqueue(i);
            }
        }
        while (ready.TryDequeue(out var node))
        {
            order.Add(node);
            for (var c = consumerStart[node]; c < consumerStart[node + 1]; c++)
            {
                if (--pending[consumers[c]] == 0)
                {
                    ready.Enqueue(consumers[c]);
                }
            }
        }

        unsorted = new bool[count];
        for (var i = 0; i < count; i++)
        {
            unsorted[i] = !excluded[i] && pending[i] > 0;
        }
        return order;
    }

    /// <summary>Runs each op's shape rule in topological order; a node whose inputs have no shape is skipped, its cause already reported.</summary>
    private static int[]?[] InferShapes(
        IList<Proto.Node> nodes, List<int> order, Op?[] ops, int[][] inputs, GraphLimits limits, List<GraphProblem> problems)
    {
        var shapes = new int[]?[nodes.Count];
        // One array for every node's operand shapes, as a rule only reads them during the call.
        var operandShapes = new int[inputs.Length == 0 ? 0 : inputs.Max(operands => operands.Length)][];
        foreach (var i in order)
        {
            var op = ops[i];
            if (op is null)
            {
                continue;
            }
            var inputShapes = operandShapes.AsSpan(0, inputs[i].Length);
            var known = true;
            for (var k = 0; k < inputShapes.Length; k++)
            {
                inputShapes[k] = shapes[inputs[i][k]]!;
                known &= inputShapes[k] is not null;
            }
            if (!known)
            {
                continue;
            }
            try
            {
                var shape = op.InferShape(inputShapes);
                var elements = 1.0;
                foreach (var dim in shape)
                {
                    elements *= dim;
                }
                if (elements > limits.MaxTensorElements)
                {
                    problems.Add(new GraphProblem(nodes[i].Id, ProblemKind.LimitExceeded,
                        $"{op.Name} would make {Shapes.Format(shape)}, {elements} elements, more than the limit of {limits.MaxTensorElements}"));
                    continue;
                }
                shapes[i] = shape;
            }
            catch (ShapeException e)
            {
                var given = string.Join(" and ", inputShapes.ToArray().Select(s => Shapes.Format(s)));
                problems.Add(new GraphProblem(nodes[i].Id, ProblemKind.ShapeMismatch, $"{op.Name} of {given}: {e.Message}"));
            }
        }
        return shapes;
    }
}
