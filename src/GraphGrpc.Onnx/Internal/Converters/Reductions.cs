using Onnx;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Onnx.Internal.Converters;

/// <summary>ReduceSum and ReduceMean, and Softmax and LogSoftmax, which normalise along one axis.</summary>
internal static class Reductions
{
    public static OnnxConverter Reduce(bool mean) => (importer, output, node, attributes) =>
    {
        var axes = attributes.Ints("axes");
        if (axes is null && node.Input.Count > 1 && node.Input[1].Length > 0)
        {
            // From opset 13 (ReduceSum) and 18 (ReduceMean) the axes come as an operand.
            var known = importer.Known(node.Input[1]) ?? throw new UnsupportedOperandException($"axes computed at run time ('{node.Input[1]}')");
            axes = [.. known.Data.Select(a => (long)a)];
        }
        axes ??= [];
        if (axes.Length == 0 && attributes.Int("noop_with_empty_axes", 0) != 0)
        {
            return Values.Copy(importer, importer.Required(node, 0), output);
        }
        var keepDims = attributes.Int("keepdims", 1) != 0;
        var reduction = new Proto.Node();
        if (mean)
        {
            reduction.Mean = new Proto.Mean { KeepDims = keepDims };
            reduction.Mean.Axes.Add(axes.Select(a => checked((int)a)));
        }
        else
        {
            reduction.Sum = new Proto.Sum { KeepDims = keepDims };
            reduction.Sum.Axes.Add(axes.Select(a => checked((int)a)));
        }
        return importer.Graph.Op(reduction, output, importer.Required(node, 0));
    };

    public static OnnxConverter Softmax(bool log) => (importer, output, node, attributes) =>
    {
        var rank = importer.Shape(node.Input[0]).Length;
        int axis;
        if (importer.Opset < 13)
        {
            // Before opset 13 softmax flattened the axes from `axis` on; that is ours only over the last axis.
            var given = attributes.Int("axis", 1);
            var modulus = Math.Max(rank, 1);
            axis = (int)(((given % modulus) + modulus) % modulus);
            if (axis != rank - 1)
            {
                throw new UnsupportedOperandException($"axis={given} of a rank-{rank} input before opset 13 (only the last axis)");
            }
        }
        else
        {
            axis = (int)attributes.Int("axis", -1);
        }
        var softmax = log
            ? new Proto.Node { LogSoftmax = new Proto.LogSoftmax { Axis = axis } }
            : new Proto.Node { Softmax = new Proto.Softmax { Axis = axis } };
        return importer.Graph.Op(softmax, output, importer.Required(node, 0));
    };
}
