using GraphGrpc.Cli.Output;
using GraphGrpc.Client;
using GraphGrpc.Contracts;
using GraphGrpc.Engine.Validation;
using Grpc.Core;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// validate and eval against a server: the same output as running locally, and the server's
/// problems printed the same way. Each step returns null when it has failed, having said why.
/// A token and trusted CAs come from GRAPHGRPC_TOKEN and GRAPHGRPC_CA.
/// </summary>
internal sealed class RemoteRun(string path, string server, string? token, string? caFile, TextWriter error)
{
    public async Task<IReadOnlyList<string>?> ValidateAsync()
    {
        return await CallAsync(async client =>
        {
            var response = await client.ValidateAsync(new Proto.ValidateRequest { Graph = GraphFiles.Read(path) });
            if (!response.Valid)
            {
                Report(response.Problems);
                return null;
            }
            return (IReadOnlyList<string>)response.Order;
        });
    }

    public async Task<EvaluationReport?> EvaluateAsync(string[] outputs, string[] wrt, IReadOnlyList<TangentArgument>? tangents = null)
    {
        return await CallAsync(async client =>
        {
            var graph = GraphFiles.Read(path);
            var request = new Proto.EvaluateRequest { Graph = graph, Trace = true };
            request.Outputs.Add(outputs);
            request.Wrt.Add(wrt);
            // Shaped by the file's own leaves; the server says what is wrong with a tangent that does not fit.
            var plan = tangents is { Count: > 0 } ? Engine.Compilation.GraphCompiler.Compile(graph).Plan : null;
            foreach (var tangent in tangents ?? [])
            {
                request.Tangents[tangent.NodeId] = Engine.Tensors.TensorProtos.ToProto(tangent.ShapedFor(plan));
            }
            using var call = client.Evaluate(request);
            var events = new List<Proto.EvaluateEvent>();
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                events.Add(e);
            }
            return EvaluationReport.FromEvents(events, wrt);
        });
    }

    public async Task<Proto.DifferentiateResponse?> DifferentiateAsync(Proto.DifferentiateRequest request)
    {
        return await CallAsync(async client =>
        {
            request.Graph = GraphFiles.Read(path);
            return await client.DifferentiateAsync(request);
        });
    }

    public async Task<Proto.ExplainResponse?> ExplainAsync(Proto.ExplainRequest request)
    {
        return await CallAsync(async client =>
        {
            request.Graph = GraphFiles.Read(path);
            return await client.ExplainAsync(request);
        });
    }

    private async Task<T?> CallAsync<T>(Func<GraphEvaluatorClient, Task<T?>> call)
        where T : class
    {
        try
        {
            using var client = CommonOptions.Connect(server, token, caFile);
            return await call(client);
        }
        catch (InvalidGraphFileException e)
        {
            error.WriteLine($"{path}: {e.Message}");
        }
        catch (RpcException e) when (GraphEvaluatorClient.ProblemsOf(e) is { Count: > 0 } problems)
        {
            Report(problems);
        }
        catch (RpcException e)
        {
            error.WriteLine($"{server}: {e.StatusCode}: {RpcFailure.Describe(e)}");
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
        }
        return null;
    }

    private void Report(IEnumerable<Proto.Problem> problems) =>
        new GraphRun(path, error).ReportProblems(
            problems.Select(p => new GraphProblem(p.NodeId, Enum.Parse<ProblemKind>(p.Kind.ToString()), p.Message)).ToList());
}
