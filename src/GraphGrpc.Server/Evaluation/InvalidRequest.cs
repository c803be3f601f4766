using Google.Protobuf.WellKnownTypes;
using GraphGrpc.Engine.Validation;
using GraphGrpc.Transport;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// The status for a request with problems: RESOURCE_EXHAUSTED if any limit was exceeded, else
/// INVALID_ARGUMENT. Every problem travels in grpc-status-details-bin as a google.rpc.Status
/// whose detail is a ValidationFailure; the message names the first few for plain clients.
/// </summary>
internal static class InvalidRequest
{
    private const int ProblemsInMessage = 3;

    public static RpcException Exception(IReadOnlyList<GraphProblem> problems)
    {
        var code = problems.Any(p => p.Kind == ProblemKind.LimitExceeded) ? StatusCode.ResourceExhausted : StatusCode.InvalidArgument;
        var shown = string.Join("; ", problems.Take(ProblemsInMessage));
        var more = problems.Count > ProblemsInMessage ? $"; and {problems.Count - ProblemsInMessage} more" : "";
        var failure = new Proto.ValidationFailure();
        failure.Problems.Add(problems.Select(ProtoConversions.ToProto));
        var status = new Google.Rpc.Status
        {
            Code = (int)code,
            Message = $"{problems.Count} problem{(problems.Count == 1 ? "" : "s")}: {shown}{more}",
            Details = { Any.Pack(failure) },
        };
        return RpcException.FromRpcStatus(status);
    }
}
