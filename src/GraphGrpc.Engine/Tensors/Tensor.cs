namespace GraphGrpc.Engine.Tensors;

/// <summary>
/// A dense float64 tensor in row-major order. Rank 0 is a scalar.
/// Ops never write into a tensor they were given: every result is a new tensor,
/// so values and gradients can be shared between slots without copies.
/// </summary>
public sealed class Tensor
{
    public Tensor(int[] shape, double[] data)
    {
        if (data.Length != Shapes.ElementCount(shape))
        {
            throw new ArgumentException(
                $"data has {data.Length} elements but shape {Shapes.Format(shape)} needs {Shapes.ElementCount(shape)}", nameof(data));
        }
        Shape = shape;
        Data = data;
    }

    public int[] Shape { get; }

    public double[] Data { get; }

    public int Rank => Shape.Length;

    public int Length => Data.Length;

    public static Tensor Scalar(double value) => new([], [value]);

    public static Tensor Zeros(int[] shape) => new(shape, new double[Shapes.ElementCount(shape)]);

    public static Tensor Filled(int[] shape, double value)
    {
        var data = new double[Shapes.ElementCount(shape)];
        Array.Fill(data, value);
        return new Tensor(shape, data);
    }

    public Tensor WithShape(int[] shape) => new(shape, Data);

    public bool IsFinite()
    {
        foreach (var x in Data)
        {
            if (!double.IsFinite(x))
            {
                return false;
            }
        }
        return true;
    }

    public override string ToString() => $"Tensor{Shapes.Format(Shape)}";
}
