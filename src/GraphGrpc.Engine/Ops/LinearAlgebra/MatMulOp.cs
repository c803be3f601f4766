using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.LinearAlgebra;

/// <summary>
/// The matrix product of two matrices or vectors. A vector on the left acts as a row, on the right
/// as a column, and its axis is dropped from the result, as in numpy.matmul.
/// </summary>
public sealed class MatMulOp : Op
{
    public override string Name => "matmul";

    public override Arity Arity => Arity.Binary;

    public override CachedForBackward Cached => CachedForBackward.Inputs;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        if (a.Length is < 1 or > 2 || b.Length is < 1 or > 2)
        {
            throw new ShapeException(
                $"matmul takes matrices or vectors, not shapes {Shapes.Format(a)} and {Shapes.Format(b)}");
        }
        var (m, k) = AsMatrixLeft(a);
        var (kb, n) = AsMatrixRight(b);
        if (k != kb)
        {
            throw new ShapeException(
                $"cannot multiply {Shapes.Format(a)} by {Shapes.Format(b)}: inner dimensions {k} and {kb} differ");
        }
        return ResultShape(a, b, m, n);
    }

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        var (m, k) = AsMatrixLeft(a.Shape);
        var (_, n) = AsMatrixRight(b.Shape);
        return new Tensor(ResultShape(a.Shape, b.Shape, m, n), Multiply(a.Data, b.Data, m, k, n));
    }

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var (a, b) = (inputs[0], inputs[1]);
        var (m, k) = AsMatrixLeft(a.Shape);
        var (_, n) = AsMatrixRight(b.Shape);
        // As matrices: dA = G·Bᵀ (m×k), dB = Aᵀ·G (k×n).
        var data = input == 0
            ? Multiply(gradient.Data, Transpose(b.Data, k, n), m, n, k)
            : Multiply(Transpose(a.Data, m, k), gradient.Data, k, m, n);
        return new Tensor(inputs[input].Shape, data);
    }

    private static (int Rows, int Cols) AsMatrixLeft(int[] shape) => shape.Length == 1 ? (1, shape[0]) : (shape[0], shape[1]);

    private static (int Rows, int Cols) AsMatrixRight(int[] shape) => shape.Length == 1 ? (shape[0], 1) : (shape[0], shape[1]);

    private static int[] ResultShape(int[] a, int[] b, int m, int n) => (a.Length, b.Length) switch
    {
        (1, 1) => [],
        (1, _) => [n],
        (_, 1) => [m],
        _ => [m, n],
    };

    /// <summary>C (m×n) = A (m×k) · B (k×n), row-major, summing each entry in the order of k.</summary>
    private static double[] Multiply(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            var row = c.AsSpan(i * n, n);
            for (var p = 0; p < k; p++)
            {
                var aip = a[i * k + p];
                var bRow = b.AsSpan(p * n, n);
                for (var j = 0; j < n; j++)
                {
                    row[j] += aip * bRow[j];
                }
            }
        }
        return c;
    }

    private static double[] Transpose(double[] data, int rows, int cols)
    {
        var result = new double[data.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                result[c * rows + r] = data[r * cols + c];
            }
        }
        return result;
    }
}
