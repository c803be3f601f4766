using System.Globalization;
using GraphGrpc.Engine.Ops;
using GraphGrpc.Engine.Tensors;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Onnx.Internal;

/// <summary>
/// A graphgrpc.v1.Graph under construction, as the Python builder (graphgrpc.Graph) makes one: nodes in
/// the order they are added, made-up ids "constant_1", "constant_2", ... for numbers used as operands,
/// and each node's shape from the engine's own shape rules, which the importer needs for Flatten,
/// Softmax and Reshape.
/// </summary>
internal sealed class GraphAssembler
{
    private readonly Proto.Graph _graph = new();
    private readonly Dictionary<string, int[]?> _shapes = [];
    private int _counter;

    public Proto.Graph Graph => _graph;

    public bool Contains(string id) => _shapes.ContainsKey(id);

    /// <summary>The shape of a node, or null when a shape rule refused its operands (the server will say why).</summary>
    public int[]? ShapeOf(string id) => _shapes[id];

    public string Input(string id, Tensor value) =>
        Add(new Proto.Node { Id = id, Input = new Proto.Input { Value = TensorProtos.ToProto(value) } }, value.Shape);

    public string Constant(Tensor value, string? id = null) =>
        Add(new Proto.Node { Id = id ?? Claim("constant"), Constant = new Proto.Constant { Value = TensorProtos.ToProto(value) } }, value.Shape);

    /// <summary>A number as an operand: a scalar constant with a made-up id.</summary>
    public string Number(double value) => Constant(Tensor.Scalar(value));

    /// <summary>Adds an op node; <paramref name="node"/> has its op set, and gets its id and inputs here.</summary>
    public string Op(Proto.Node node, string id, params string[] inputs)
    {
        node.Id = id;
        node.Inputs.Add(inputs);
        return Add(node, InferShape(node, inputs));
    }

    private int[]? InferShape(Proto.Node node, string[] inputs)
    {
        var shapes = new int[inputs.Length][];
        for (var i = 0; i < inputs.Length; i++)
        {
            if (_shapes[inputs[i]] is not { } shape)
            {
                return null;
            }
            shapes[i] = shape;
        }
        try
        {
            return OpTable.Create(node).InferShape(shapes);
        }
        catch (Exception e) when (e is ShapeException or OpDefinitionException)
        {
            return null;
        }
    }

    private string Add(Proto.Node node, int[]? shape)
    {
        if (!_shapes.TryAdd(node.Id, shape))
        {
            throw new UnsupportedOperandException($"a second node '{node.Id}' (node ids must be unique)");
        }
        _graph.Nodes.Add(node);
        return node.Id;
    }

    private string Claim(string op)
    {
        while (true)
        {
            _counter++;
            var id = string.Create(CultureInfo.InvariantCulture, $"{op}_{_counter}");
            if (!_shapes.ContainsKey(id))
            {
                return id;
            }
        }
    }
}
