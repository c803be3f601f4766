using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Ops.Normalization;

/// <summary>
/// A tensor seen as [outer, length, inner] around one axis, so an op along that axis walks
/// element (o, j, i) at offset (o * length + j) * inner + i.
/// </summary>
internal readonly record struct AxisLayout(int Outer, int Length, int Inner)
{
    public static AxisLayout Around(int[] shape, int? axis)
    {
        if (shape.Length == 0)
        {
            throw new ShapeException("needs at least one axis, but the input is a scalar");
        }
        var normalized = Shapes.NormalizeAxis(axis ?? -1, shape.Length);
        var outer = 1;
        var inner = 1;
        for (var i = 0; i < normalized; i++)
        {
            outer *= shape[i];
        }
        for (var i = normalized + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }
        return new AxisLayout(outer, shape[normalized], inner);
    }

    public int Offset(int outer, int j, int inner) => (outer * Length + j) * Inner + inner;
}
