namespace GraphGrpc.Engine.Tensors;

/// <summary>
/// Thrown when a wire tensor's shape and data disagree, or it is larger than allowed;
/// validation turns it into a problem on the node.
/// </summary>
public sealed class InvalidTensorException(string message, bool isLimit = false) : Exception(message)
{
    /// <summary>True when the tensor is well formed but exceeds the configured element limit.</summary>
    public bool IsLimit { get; } = isLimit;
}
