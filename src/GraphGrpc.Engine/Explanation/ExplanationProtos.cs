using System.Globalization;
using GraphGrpc.Engine.Tensors;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Engine.Explanation;

/// <summary>An explanation as the wire's ExplainResponse, for the service and for the CLI's in-process answer alike.</summary>
public static class ExplanationProtos
{
    public static Proto.ExplainResponse ToProto(GradientExplanation explanation)
    {
        var response = new Proto.ExplainResponse
        {
            Output = explanation.Output,
            Wrt = explanation.Wrt,
            PathCount = Count(explanation.PathCount),
            Total = TensorProtos.ToProto(explanation.Total),
            Remainder = TensorProtos.ToProto(explanation.Remainder),
            RankingExact = explanation.RankingExact,
        };
        response.ThroughNodeIds.Add(explanation.Through);
        foreach (var path in explanation.TopPaths)
        {
            var wire = new Proto.ExplainedPath { Contribution = TensorProtos.ToProto(path.Contribution), Norm = path.Norm };
            wire.NodeIds.Add(path.NodeIds);
            wire.Operands.Add(path.Operands);
            response.Paths.Add(wire);
        }
        response.Blocks.Add(explanation.Blocks.Select(block => new Proto.ForkJoinBlock
        {
            ForkId = block.ForkId,
            JoinId = block.JoinId,
            PathCount = Count(block.PathCount),
            Local = TensorProtos.ToProto(block.Local),
            Flow = TensorProtos.ToProto(block.Flow),
        }));
        response.Edges.Add(explanation.Edges.Select(edge => new Proto.ExplainedEdge
        {
            ConsumerId = edge.ConsumerId,
            Operand = edge.Operand,
            InputId = edge.InputId,
            Local = TensorProtos.ToProto(edge.Local),
            Flow = TensorProtos.ToProto(edge.Flow),
        }));
        return response;
    }

    /// <summary>Path counts travel as decimal digits: they outgrow every integer type the wire has.</summary>
    private static string Count(System.Numerics.BigInteger count) => count.ToString(CultureInfo.InvariantCulture);
}
