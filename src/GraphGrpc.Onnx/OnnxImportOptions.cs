using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Onnx;

/// <summary>How <see cref="OnnxImport"/> turns a model's inputs and initializers into leaves.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>
    /// Values for the model's graph inputs, by name. A graph input not named here becomes zeros of its
    /// declared shape, which must then have no symbolic dimension; a value given here fixes them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Inputs { get; init; } = new Dictionary<string, Tensor>();

    /// <summary>Initializers to make input leaves, which get gradients; the others become constants.</summary>
    public IReadOnlyCollection<string> Trainable { get; init; } = [];

    /// <summary>Make every floating-point initializer an input leaf, as <see cref="Trainable"/> would one by one.</summary>
    public bool AllTrainable { get; init; }
}
