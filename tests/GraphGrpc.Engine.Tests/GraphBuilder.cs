using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Tests;

/// <summary>Builds wire graphs in a line per node, so tests read like the expressions they check.</summary>
internal sealed class GraphBuilder
{
    public Graph Graph { get; } = new();

    public string Input(string id, double[] values, params int[] shape) => Leaf(id, values, shape, isVariable: true);

    public string Input(string id, double value) => Leaf(id, [value], [], isVariable: true);

    public string Constant(string id, double[] values, params int[] shape) => Leaf(id, values, shape, isVariable: false);

    public string Constant(string id, double value) => Leaf(id, [value], [], isVariable: false);

    /// <summary>Adds an op node; <paramref name="setOp"/> sets the node's op, e.g. <c>n => n.Add = new()</c>.</summary>
    public string Op(string id, Action<Node> setOp, params string[] inputs)
    {
        var node = new Node { Id = id };
        node.Inputs.Add(inputs);
        setOp(node);
        Graph.Nodes.Add(node);
        return id;
    }

    public static Contracts.V1.Tensor ToProto(double[] values, int[] shape) =>
        TensorProtos.ToProto(new Tensors.Tensor(shape, values));

    private string Leaf(string id, double[] values, int[] shape, bool isVariable)
    {
        var node = new Node { Id = id };
        if (isVariable)
        {
            node.Input = new Input { Value = ToProto(values, shape) };
        }
        else
        {
            node.Constant = new Constant { Value = ToProto(values, shape) };
        }
        Graph.Nodes.Add(node);
        return id;
    }
}
