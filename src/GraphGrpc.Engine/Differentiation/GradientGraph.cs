using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Differentiation;

/// <summary>
/// Writes the graph an emitter built as a wire graph: every leaf of the original, the original nodes the
/// sinks need, the added nodes they need, and the added input leaves (seeds), each with its id.
/// </summary>
internal static class GradientGraph
{
    public static Proto.Graph Write(Proto.Graph original, GraphEmitter emit, NodeNames names, IEnumerable<SymbolicTensor> sinks)
    {
        var live = Live(emit, sinks);
        names.NameRest(emit);
        var plan = emit.Plan;
        var graph = new Proto.Graph();
        foreach (var node in original.Nodes)
        {
            var isLeaf = node.OpCase is Proto.Node.OpOneofCase.Input or Proto.Node.OpOneofCase.Constant;
            if (isLeaf || live[plan.SlotOf(node.Id)])
            {
                graph.Nodes.Add(node.Clone());
            }
        }
        for (var i = 0; i < emit.Added.Count; i++)
        {
            var added = emit.Added[i];
            if (!live[plan.Count + i] && added.Node.OpCase != Proto.Node.OpOneofCase.Input)
            {
                continue;
            }
            var node = added.Node.Clone();
            node.Id = added.Name!;
            node.Inputs.Add(added.Inputs.Select(input => IdOf(emit, input)));
            graph.Nodes.Add(node);
        }
        return graph;
    }

    private static string IdOf(GraphEmitter emit, int index) =>
        index < emit.Plan.Count ? emit.Plan.Ids[index] : emit.Added[index - emit.Plan.Count].Name!;

    /// <summary>The nodes the sinks depend on, the sinks included; added nodes depend only on nodes before them, so one backward sweep finds them.</summary>
    private static bool[] Live(GraphEmitter emit, IEnumerable<SymbolicTensor> sinks)
    {
        var live = new bool[emit.Count];
        foreach (var sink in sinks)
        {
            live[sink.Index] = true;
        }
        for (var index = emit.Count - 1; index >= 0; index--)
        {
            if (live[index])
            {
                foreach (var input in emit.InputsOf(index))
                {
                    live[input] = true;
                }
            }
        }
        return live;
    }
}
