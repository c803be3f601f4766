using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Kernels;
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
        var c = new double[m * n];
        MatrixProduct.Multiply(a.Data, k, 1, b.Data, n, 1, c, m, k, n);
        return new Tensor(ResultShape(a.Shape, b.Shape, m, n), c);
    }

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient)
    {
        var (a, b) = (inputs[0], inputs[1]);
        var (m, k) = AsMatrixLeft(a.Shape);
        var (_, n) = AsMatrixRight(b.Shape);
        // As matrices: dA = G·Bᵀ (m×k), dB = Aᵀ·G (k×n); the transposes are only strides.
        var data = new double[input == 0 ? m * k : k * n];
        if (input == 0)
        {
            MatrixProduct.Multiply(gradient.Data, n, 1, b.Data, 1, n, data, m, n, k);
        }
        else
        {
            MatrixProduct.Multiply(a.Data, 1, k, gradient.Data, n, 1, data, k, m, n);
        }
        return new Tensor(inputs[input].Shape, data);
    }

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit)
    {
        var (a, b, g) = (inputs[0], inputs[1], gradient);
        return (input, a.Shape.Length, b.Shape.Length) switch
        {
            // Two vectors: y = a·b, a scalar.
            (0, 1, 1) => emit.Mul(g, b),
            (1, 1, 1) => emit.Mul(g, a),
            // A matrix times a vector: dA is the outer product g bᵀ.
            (0, 2, 1) => emit.MatMul(emit.Reshape(g, [g.Shape[0], 1]), emit.Reshape(b, [1, b.Shape[0]])),
            (0, _, _) => emit.MatMul(g, emit.Transpose(b, [])),
            // A vector times a matrix: dB is the outer product a gᵀ.
            (1, 1, 2) => emit.MatMul(emit.Reshape(a, [a.Shape[0], 1]), emit.Reshape(g, [1, g.Shape[0]])),
            _ => emit.MatMul(emit.Transpose(a, []), g),
        };
    }

    // The product rule: dA·B + A·dB.
    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        emit.Add(emit.MatMul(tangents[0], inputs[1]), emit.MatMul(inputs[0], tangents[1]));

    private static (int Rows, int Cols) AsMatrixLeft(int[] shape) => shape.Length == 1 ? (1, shape[0]) : (shape[0], shape[1]);

    private static (int Rows, int Cols) AsMatrixRight(int[] shape) => shape.Length == 1 ? (shape[0], 1) : (shape[0], shape[1]);

    private static int[] ResultShape(int[] a, int[] b, int m, int n) => (a.Length, b.Length) switch
    {
        (1, 1) => [],
        (1, _) => [n],
        (_, 1) => [m],
        _ => [m, n],
    };
}
