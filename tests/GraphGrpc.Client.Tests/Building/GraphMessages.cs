using GraphGrpc.Client.Building;
using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Client.Tests.Building;

internal static class GraphMessages
{
    /// <summary>The message of one node, as the builder's graph holds it.</summary>
    public static Node ToGraphNode(this GraphBuilder builder, NodeRef node) => builder.ToGraph().Nodes.Single(n => n.Id == node.Id);
}
