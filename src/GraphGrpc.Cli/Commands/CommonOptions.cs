using System.CommandLine;

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
        Description = "The node(s) to differentiate, seeded with ones. Defaults to the graph's one sink.",
        AllowMultipleArgumentsPerToken = true,
    };

    public static Option<string?> Server() => new("--server", "-s")
    {
        Description = "Run on a GraphGrpc server at this address (e.g. http://127.0.0.1:50051) instead of locally.",
    };

    public static Option<string[]> Wrt() => new("--wrt")
    {
        Description = "The node(s) to take gradients with respect to. Defaults to every input leaf.",
        AllowMultipleArgumentsPerToken = true,
    };
}
