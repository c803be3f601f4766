namespace GraphGrpc.Onnx.Internal;

/// <summary>An attribute or operand a supported op cannot take; the importer adds which node it was.</summary>
internal sealed class UnsupportedOperandException(string what) : Exception(what);
