namespace GraphGrpc.Onnx;

/// <summary>
/// A model the importer cannot map onto graphgrpc's op set: the message names the ONNX node, its op
/// type and what is supported.
/// </summary>
public sealed class UnsupportedOnnxException(string message) : Exception(message);
