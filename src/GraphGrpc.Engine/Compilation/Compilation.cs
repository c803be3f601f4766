using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;

namespace GraphGrpc.Engine.Compilation;

/// <summary>What compiling a graph gave: every problem found, and the plan when there were none.</summary>
public sealed class Compilation
{
    private readonly Dictionary<string, int>? _indexById;
    private readonly int[]?[] _shapes;
    private readonly Lazy<Plan>? _plan;

    private readonly string[] _sinks;
    private readonly bool?[] _isInputLeaf;

    internal Compilation(
        List<GraphProblem> problems, Lazy<Plan>? plan, Dictionary<string, int>? indexById, int[]?[]? shapes = null, string[]? sinks = null,
        bool?[]? isInputLeaf = null)
    {
        _isInputLeaf = isInputLeaf ?? [];
        _sinks = sinks ?? [];
        Problems = problems;
        _plan = plan;
        _indexById = indexById;
        _shapes = shapes ?? [];
    }

    public IReadOnlyList<GraphProblem> Problems { get; }

    /// <summary>The plan of a valid graph, built on first access; null when there are problems.</summary>
    public Plan? Plan => _plan?.Value;

    public bool IsValid => _plan is not null;

    /// <summary>
    /// The outputs a request that names none differentiates: the graph's sink when it has exactly
    /// one; none otherwise (with several, the caller must choose, or run forward only).
    /// </summary>
    public IReadOnlyList<string> DefaultOutputs => _sinks.Length == 1 ? _sinks : [];

    /// <summary>Every node no other node consumes, in topological order; empty for an invalid graph.</summary>
    public IReadOnlyList<string> Sinks => _sinks;

    /// <summary>Whether the graph has a node with this id (known even when the graph is invalid).</summary>
    public bool HasNode(string id) => _indexById?.ContainsKey(id) ?? false;

    /// <summary>
    /// The problems of a request against this graph: outputs and "with respect to" nodes that do not
    /// exist, seeds that are not for an output or do not have its shape, and tangents that are not for an
    /// input leaf or do not have its shape. Works on an invalid graph
    /// too, so a client hears of every problem at once.
    /// </summary>
    public IReadOnlyList<GraphProblem> CheckRequest(EvaluationRequest request)
    {
        var problems = new List<GraphProblem>();
        if (_indexById is null)
        {
            // The graph was refused before its nodes were read (too many of them): nothing to check names against.
            return problems;
        }
        foreach (var output in request.Outputs)
        {
            if (!HasNode(output))
            {
                problems.Add(new GraphProblem(output, ProblemKind.UnknownOutput, "is asked for as an output but is not a node of the graph"));
            }
        }
        foreach (var wrt in request.Wrt)
        {
            if (!HasNode(wrt))
            {
                problems.Add(new GraphProblem(wrt, ProblemKind.UnknownWrt, "is asked for a gradient but is not a node of the graph"));
            }
        }
        foreach (var (id, seed) in request.Seeds)
        {
            if (!request.Outputs.Contains(id))
            {
                problems.Add(new GraphProblem(id, ProblemKind.InvalidSeed, "has a seed but is not one of the outputs"));
            }
            else if (_indexById.TryGetValue(id, out var index) && index < _shapes.Length
                && _shapes[index] is { } shape && !Shapes.SameShape(shape, seed.Shape))
            {
                problems.Add(new GraphProblem(id, ProblemKind.InvalidSeed,
                    $"seed has shape {Shapes.Format(seed.Shape)} but the output has shape {Shapes.Format(shape)}"));
            }
        }
        foreach (var (id, tangent) in request.Tangents)
        {
            if (!_indexById.TryGetValue(id, out var index))
            {
                problems.Add(new GraphProblem(id, ProblemKind.UnknownNode, "has a tangent but is not a node of the graph"));
            }
            else if (index < _isInputLeaf.Length && _isInputLeaf[index] == false)
            {
                problems.Add(new GraphProblem(id, ProblemKind.InvalidValue, "has a tangent but is not an input leaf: only inputs take tangents"));
            }
            else if (index < _shapes.Length && _shapes[index] is { } shape && !Shapes.SameShape(shape, tangent.Shape))
            {
                problems.Add(new GraphProblem(id, ProblemKind.InvalidValue,
                    $"tangent has shape {Shapes.Format(tangent.Shape)} but the input has shape {Shapes.Format(shape)}"));
            }
        }
        return problems;
    }
}
