using GraphGrpc.Engine.Tensors;
using GraphGrpc.Engine.Validation;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>Maps engine results and problems to their wire messages.</summary>
internal static class ProtoConversions
{
    // The engine's kinds and the proto's share names (EmptyId <-> PROBLEM_KIND_EMPTY_ID); a test holds them together.
    private static readonly Dictionary<ProblemKind, Proto.ProblemKind> Kinds =
        Enum.GetValues<ProblemKind>().ToDictionary(kind => kind, kind => Enum.Parse<Proto.ProblemKind>(kind.ToString()));

    public static Proto.Problem ToProto(GraphProblem problem) => new()
    {
        NodeId = problem.NodeId,
        Kind = Kinds[problem.Kind],
        Message = problem.Message,
    };

    public static Proto.Tensor ToProto(Tensor tensor, bool raw) => raw ? TensorProtos.ToRawProto(tensor) : TensorProtos.ToProto(tensor);

    public static Proto.TensorShape ToShape(int[] shape)
    {
        var proto = new Proto.TensorShape();
        foreach (var dim in shape)
        {
            proto.Dims.Add(dim);
        }
        return proto;
    }
}
