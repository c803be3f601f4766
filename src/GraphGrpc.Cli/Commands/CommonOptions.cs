using System.CommandLine;
using System.Security.Cryptography;
using GraphGrpc.Client;

namespace GraphGrpc.Cli.Commands;

/// <summary>Arguments and options more than one command takes.</summary>
internal static class CommonOptions
{
    public static Argument<FileInfo> GraphFile() => new("file")
    {
        Description = "A graph file: the protobuf JSON mapping of graphgrpc.v1.Graph.",
    };

    public static Option<string[]> Outputs() => new("--output", "-o")
    {
        Description = "The node(s) to differentiate, seeded with ones. Defaults to the graph's one sink; with several sinks and none named, only the forward pass runs.",
        AllowMultipleArgumentsPerToken = true,
    };

    public static Option<string?> Server() => new("--server", "-s")
    {
        Description = "Run on a GraphGrpc server at this address (e.g. http://127.0.0.1:50051) instead of locally.",
    };

    /// <summary>Where a token and a CA file come from when no option gives them: the environment, which, unlike arguments, the process list does not show.</summary>
    public const string TokenVariable = "GRAPHGRPC_TOKEN";
    public const string CaVariable = "GRAPHGRPC_CA";

    public static Option<string?> Token() => new("--token")
    {
        Description = $"A bearer token to send (authorization: Bearer TOKEN). Defaults to ${TokenVariable}, which is safer: arguments show in the process list.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(TokenVariable),
    };

    public static Option<string?> Ca() => new("--ca")
    {
        Description = $"For https:// servers: a PEM file of the certificate authorities to trust instead of the system's. Defaults to ${CaVariable}.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(CaVariable),
    };

    /// <summary>A client of <paramref name="address"/> with the token and trusted roots; a bad address or CA file throws ArgumentException naming the option.</summary>
    public static GraphEvaluatorClient Connect(string address, string? token, string? caFile)
    {
        GraphEvaluatorClientOptions options;
        try
        {
            options = new GraphEvaluatorClientOptions
            {
                BearerToken = string.IsNullOrEmpty(token) ? null : token,
                RootCertificates = string.IsNullOrEmpty(caFile) ? null : GraphEvaluatorClientOptions.LoadRootCertificates(caFile),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"--ca: '{caFile}' cannot be used: {e.Message}", e);
        }
        try
        {
            return GraphEvaluatorClient.ForAddress(address, options);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--server: {e.Message}", e);
        }
    }

    public static Option<string[]> Wrt() => new("--wrt")
    {
        Description = "The node(s) to take gradients with respect to. Defaults to every input leaf.",
        AllowMultipleArgumentsPerToken = true,
    };
}
