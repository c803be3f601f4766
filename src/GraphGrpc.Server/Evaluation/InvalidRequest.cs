using Google.Protobuf.WellKnownTypes;
using GraphGrpc.Engine.Validation;
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

    // The details ride in a trailer, and clients cap header size (grpc-core at 8 KiB, HttpClient at
    // 64 KiB): past this many bytes a status with thousands of problems never reaches the client at all.
    private const int DetailsBudget = 4096;

    public static RpcException Exception(IReadOnlyList<GraphProblem> problems)
    {
        var code = problems.Any(p => p.Kind == ProblemKind.LimitExceeded) ? StatusCode.ResourceExhausted : StatusCode.InvalidArgument;
        var shown = string.Join("; ", problems.Take(ProblemsInMessage));
        var more = problems.Count > ProblemsInMessage ? $"; and {problems.Count - ProblemsInMessage} more" : "";
        var failure = new Proto.ValidationFailure();
        foreach (var problem in problems.Select(ProtoConversions.ToProto))
        {
            if (failure.CalculateSize() + problem.CalculateSize() > DetailsBudget)
            {
                failure.Problems.Add(new Proto.Problem
                {
                    Message = $"and {problems.Count - failure.Problems.Count} more problems, left out to keep the status small; Validate lists them all",
                });
                break;
            }
            failure.Problems.Add(problem);
        }
        var status = new Google.Rpc.Status
        {
            Code = (int)code,
            Message = $"{problems.Count} problem{(problems.Count == 1 ? "" : "s")}: {shown}{more}",
            Details = { Any.Pack(failure) },
        };
        return status.ToRpcException();
    }
}
