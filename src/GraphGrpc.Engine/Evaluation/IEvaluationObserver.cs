using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Evaluation;

/// <summary>Hears each value and gradient the moment it is final, so a caller can stream them while the evaluation goes on.</summary>
public interface IEvaluationObserver
{
    /// <summary>A node's value, in topological order.</summary>
    void OnValue(int slot, Tensor value);

    /// <summary>A node's tangent, when the request gave tangents: in topological order, each right after its node's value.</summary>
    void OnTangent(int slot, Tensor tangent)
    {
    }

    /// <summary>A node's gradient, in reverse topological order, once every share has been summed into it.</summary>
    void OnGradient(int slot, Tensor gradient);
}
