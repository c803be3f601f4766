using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Onnx.Tests;

internal static class TensorAssert
{
    /// <summary>The same shape, and every element within 1e-12 relative (1e-14 absolute near zero), as the Python importer's tests ask.</summary>
    public static void Close(Tensor expected, Tensor? actual, string what)
    {
        Assert.True(actual is not null, $"{what}: no value");
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{what}: shape [{string.Join(", ", actual.Shape)}], torch's is [{string.Join(", ", expected.Shape)}]");
        for (var i = 0; i < expected.Length; i++)
        {
            var (e, a) = (expected.Data[i], actual.Data[i]);
            Assert.True(Math.Abs(e - a) <= 1e-14 + 1e-12 * Math.Abs(e), $"{what}[{i}]: {a:R}, torch's is {e:R}");
        }
    }
}
