using Google.Protobuf;
using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Contracts;

/// <summary>A graph file on disk is the protobuf JSON mapping of <see cref="Graph"/>.</summary>
public static class GraphFiles
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation());

    /// <summary>Parses graph JSON; throws <see cref="InvalidGraphFileException"/> saying what is malformed, and where.</summary>
    public static Graph Parse(string json)
    {
        try
        {
            return Parser.Parse<Graph>(json);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            throw GraphFileFaultFinder.Explain(Parser, json, e);
        }
    }

    public static Graph Read(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidGraphFileException($"cannot read {path}: {e.Message}", e);
        }
        return Parse(json);
    }

    public static string Format(Graph graph) => Formatter.Format(graph);
}
