using System.Numerics.Tensors;

namespace GraphGrpc.Engine.Ops.Elementwise;

/// <summary>
/// The four arithmetic operations over spans through TensorPrimitives, fast for double here. Either
/// operand may be one value standing for a repeat of itself. Each result is the one correctly
/// rounded IEEE operation, so the bits equal the scalar a op b.
/// </summary>
internal static class VectorArithmetic
{
    public static void Add(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        if (a.Length == y.Length && b.Length == y.Length)
        {
            TensorPrimitives.Add(a, b, y);
        }
        else if (a.Length == y.Length)
        {
            TensorPrimitives.Add(a, b[0], y);
        }
        else if (b.Length == y.Length)
        {
            TensorPrimitives.Add(b, a[0], y);
        }
        else
        {
            y.Fill(a[0] + b[0]);
        }
    }

    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        if (a.Length == y.Length && b.Length == y.Length)
        {
            TensorPrimitives.Subtract(a, b, y);
        }
        else if (a.Length == y.Length)
        {
            TensorPrimitives.Subtract(a, b[0], y);
        }
        else if (b.Length == y.Length)
        {
            TensorPrimitives.Subtract(a[0], b, y);
        }
        else
        {
            y.Fill(a[0] - b[0]);
        }
    }

    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        if (a.Length == y.Length && b.Length == y.Length)
        {
            TensorPrimitives.Multiply(a, b, y);
        }
        else if (a.Length == y.Length)
        {
            TensorPrimitives.Multiply(a, b[0], y);
        }
        else if (b.Length == y.Length)
        {
            TensorPrimitives.Multiply(b, a[0], y);
        }
        else
        {
            y.Fill(a[0] * b[0]);
        }
    }

    public static void Divide(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        if (a.Length == y.Length && b.Length == y.Length)
        {
            TensorPrimitives.Divide(a, b, y);
        }
        else if (a.Length == y.Length)
        {
            TensorPrimitives.Divide(a, b[0], y);
        }
        else if (b.Length == y.Length)
        {
            TensorPrimitives.Divide(a[0], b, y);
        }
        else
        {
            y.Fill(a[0] / b[0]);
        }
    }
}
