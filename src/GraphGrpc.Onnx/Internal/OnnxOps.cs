using GraphGrpc.Onnx.Internal.Converters;
using Onnx;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Onnx.Internal;

/// <summary>
/// Converts one ONNX node: adds the ops that compute its output and returns the node holding it, or
/// null when the output is known before run time (a Constant). It takes the operands it uses through
/// <see cref="ModelImporter.Operand"/>, so a Reshape's shape never becomes a leaf.
/// </summary>
internal delegate string? OnnxConverter(ModelImporter importer, string output, NodeProto node, NodeAttributes attributes);

/// <summary>One supported ONNX op: its converter and the attributes it honours (any other fails).</summary>
internal sealed record OnnxOp(string Name, OnnxConverter Convert, IReadOnlyList<string> Attributes);

/// <summary>The one table of the ONNX ops the importer maps, as the Python importer's OPS lists them.</summary>
internal static class OnnxOps
{
    private static readonly string[] None = [];
    private static readonly string[] ReduceAttributes = ["axes", "keepdims", "noop_with_empty_axes"];

    private static readonly OnnxOp[] Table =
    [
        new("Add", Elementwise.Binary(() => new Proto.Node { Add = new() }), None),
        new("Sub", Elementwise.Binary(() => new Proto.Node { Sub = new() }), None),
        new("Mul", Elementwise.Binary(() => new Proto.Node { Mul = new() }), None),
        new("Div", Elementwise.Binary(() => new Proto.Node { Div = new() }), None),
        new("Pow", Elementwise.Pow, None),
        new("Max", Elementwise.Variadic(() => new Proto.Node { Maximum = new() }), None),
        new("Min", Elementwise.Variadic(() => new Proto.Node { Minimum = new() }), None),
        new("Neg", Elementwise.Unary(() => new Proto.Node { Neg = new() }), None),
        new("Exp", Elementwise.Unary(() => new Proto.Node { Exp = new() }), None),
        new("Log", Elementwise.Unary(() => new Proto.Node { Log = new() }), None),
        new("Sqrt", Elementwise.Unary(() => new Proto.Node { Sqrt = new() }), None),
        new("Abs", Elementwise.Unary(() => new Proto.Node { Abs = new() }), None),
        new("Sin", Elementwise.Unary(() => new Proto.Node { Sin = new() }), None),
        new("Cos", Elementwise.Unary(() => new Proto.Node { Cos = new() }), None),
        new("Tanh", Elementwise.Unary(() => new Proto.Node { Tanh = new() }), None),
        new("Sigmoid", Elementwise.Unary(() => new Proto.Node { Sigmoid = new() }), None),
        new("Relu", Elementwise.Unary(() => new Proto.Node { Relu = new() }), None),
        new("MatMul", Elementwise.Binary(() => new Proto.Node { Matmul = new() }), None),
        new("Gemm", LinearAlgebra.Gemm, ["alpha", "beta", "transA", "transB"]),
        new("Transpose", Movement.Transpose, ["perm"]),
        new("Reshape", Movement.Reshape, ["allowzero"]),
        new("Flatten", Movement.Flatten, ["axis"]),
        new("ReduceSum", Reductions.Reduce(mean: false), ReduceAttributes),
        new("ReduceMean", Reductions.Reduce(mean: true), ReduceAttributes),
        new("Softmax", Reductions.Softmax(log: false), ["axis"]),
        new("LogSoftmax", Reductions.Softmax(log: true), ["axis"]),
        new("Identity", Values.Identity, None),
        new("Cast", Values.Cast, ["to", "saturate"]),
        new("Constant", Values.Constant, Values.ConstantAttributes),
    ];

    private static readonly Dictionary<string, OnnxOp> ByName = Table.ToDictionary(op => op.Name);

    /// <summary>Every supported op type, in the table's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Select(op => op.Name)];

    public static OnnxOp? Find(string opType) => ByName.GetValueOrDefault(opType);
}
