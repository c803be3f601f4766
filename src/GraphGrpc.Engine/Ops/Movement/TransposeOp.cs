using GraphGrpc.Engine.Differentiation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Movement;

/// <summary>Permutes the axes: output axis i is input axis perm[i]. An empty permutation reverses the axes.</summary>
public sealed class TransposeOp(IReadOnlyList<int> perm) : Op
{
    public IReadOnlyList<int> Perm { get; } = perm;

    public override string Name => "transpose";

    public override Arity Arity => Arity.Unary;

    public override CachedForBackward Cached => CachedForBackward.Nothing;

    public override int[] InferShape(ReadOnlySpan<int[]> inputs)
    {
        var shape = inputs[0];
        var perm = Resolve(shape.Length);
        return Permute(shape, perm);
    }

    public override Tensor Forward(ReadOnlySpan<Tensor> inputs) => Apply(inputs[0], Resolve(inputs[0].Rank));

    public override Tensor Backward(int input, ReadOnlySpan<Tensor> inputs, Tensor output, Tensor gradient) =>
        Apply(gradient, Inverse(Resolve(inputs[0].Rank)));

    public override SymbolicTensor? SymbolicBackward(
        int input, ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, SymbolicTensor gradient, GraphEmitter emit) =>
        emit.Transpose(gradient, Inverse(Resolve(inputs[0].Shape.Length)));

    public override SymbolicTensor? Jvp(
        ReadOnlySpan<SymbolicTensor> inputs, SymbolicTensor output, ReadOnlySpan<SymbolicTensor?> tangents, GraphEmitter emit) =>
        emit.Transpose(tangents[0], Resolve(inputs[0].Shape.Length));

    private static int[] Inverse(int[] perm)
    {
        var inverse = new int[perm.Length];
        for (var i = 0; i < perm.Length; i++)
        {
            inverse[perm[i]] = i;
        }
        return inverse;
    }

    private int[] Resolve(int rank)
    {
        if (Perm.Count == 0)
        {
            return Enumerable.Range(0, rank).Reverse().ToArray();
        }
        if (Perm.Count != rank)
        {
            throw new ShapeException($"perm has {Perm.Count} axes but the input has rank {rank}");
        }
        var perm = new int[rank];
        var seen = new bool[rank];
        for (var i = 0; i < rank; i++)
        {
            perm[i] = Shapes.NormalizeAxis(Perm[i], rank);
            if (seen[perm[i]])
            {
                throw new ShapeException($"perm [{string.Join(", ", Perm)}] lists axis {Perm[i]} twice");
            }
            seen[perm[i]] = true;
        }
        return perm;
    }

    private static int[] Permute(int[] shape, int[] perm) => perm.Select(axis => shape[axis]).ToArray();

    private static Tensor Apply(Tensor tensor, int[] perm)
    {
        var shape = Permute(tensor.Shape, perm);
        var sourceStrides = Shapes.Strides(tensor.Shape);
        var strides = perm.Select(axis => sourceStrides[axis]).ToArray();
        var result = new double[tensor.Length];
        var index = new int[shape.Length];
        var offset = 0;
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = tensor.Data[offset];
            for (var axis = shape.Length - 1; axis >= 0; axis--)
            {
                offset += strides[axis];
                if (++index[axis] < shape[axis])
                {
                    break;
                }
                offset -= strides[axis] * shape[axis];
                index[axis] = 0;
            }
        }
        return new Tensor(shape, result);
    }
}
