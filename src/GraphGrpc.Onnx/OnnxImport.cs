using Google.Protobuf;
using GraphGrpc.Onnx.Internal;
using Onnx;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Onnx;

/// <summary>
/// An ONNX model as a <see cref="Proto.Graph"/>, the same graph the Python package's
/// <c>graphgrpc.from_onnx</c> makes from the same model:
/// <list type="bullet">
/// <item>every node output keeps its ONNX name as its node id, so the model's outputs keep theirs;</item>
/// <item>the graph inputs become input leaves (zeros of their declared shape, or the values given);</item>
/// <item>initializers become constants, or input leaves when <see cref="OnnxImportOptions.Trainable"/> names them;</item>
/// <item>initializers and Constants that give a Reshape its shape, a Reduce its axes or a Pow its scalar
/// exponent are read as attributes, not leaves; every value is float64.</item>
/// </list>
/// A model with an op or attribute outside <see cref="SupportedOps"/> throws <see cref="UnsupportedOnnxException"/>;
/// options that do not fit the model throw <see cref="ArgumentException"/>.
/// </summary>
public static class OnnxImport
{
    /// <summary>The ONNX ops the importer maps, in the order its messages list them.</summary>
    public static IReadOnlyList<string> SupportedOps => OnnxOps.Names;

    /// <summary>
    /// Reads an .onnx file, and the files beside it that hold initializers saved as external data; a
    /// file that cannot be read or parsed throws <see cref="IOException"/> or <see cref="InvalidDataException"/>.
    /// </summary>
    public static Proto.Graph FromFile(string path, OnnxImportOptions? options = null) =>
        FromBytes(File.ReadAllBytes(path), options, path, Path.GetDirectoryName(Path.GetFullPath(path)));

    /// <summary>A serialized ModelProto; bytes that are not one throw <see cref="InvalidDataException"/>.</summary>
    public static Proto.Graph FromBytes(ReadOnlySpan<byte> model, OnnxImportOptions? options = null) =>
        FromBytes(model, options, "the bytes given", null);

    /// <summary>A parsed model; initializers saved as external data are read from <paramref name="externalDataDirectory"/>.</summary>
    public static Proto.Graph FromModel(ModelProto model, OnnxImportOptions? options = null, string? externalDataDirectory = null) =>
        new ModelImporter(model, options ?? new OnnxImportOptions(), externalDataDirectory).Import();

    private static Proto.Graph FromBytes(ReadOnlySpan<byte> bytes, OnnxImportOptions? options, string source, string? directory)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{source} is not an ONNX model: {e.Message}", e);
        }
        return FromModel(model, options, directory);
    }
}
