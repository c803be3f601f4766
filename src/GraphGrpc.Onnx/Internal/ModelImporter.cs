using GraphGrpc.Engine.Tensors;
using Onnx;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Onnx.Internal;

/// <summary>
/// Walks an ONNX graph's nodes, which ONNX keeps in topological order, and adds their ops to a graph
/// through <see cref="OnnxOps"/>. It keeps what the converters ask about: the leaf or node holding each
/// ONNX value, the values known before run time (initializers, Constants) and every value's shape.
/// </summary>
internal sealed class ModelImporter
{
    private readonly GraphProto _onnx;
    private readonly OnnxImportOptions _options;
    private readonly HashSet<string> _trainable;
    private readonly Dictionary<string, string> _results = [];
    private readonly Dictionary<string, Tensor> _known = [];
    private readonly Dictionary<string, int[]?> _shapes = [];
    private readonly HashSet<string> _initializers;

    private readonly string? _directory;

    /// <param name="directory">Where the model file is, for initializers kept in external files; null for a model from bytes.</param>
    public ModelImporter(ModelProto model, OnnxImportOptions options, string? directory)
    {
        _directory = directory;
        _onnx = model.Graph ?? throw new UnsupportedOnnxException("the model has no graph");
        _options = options;
        Opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 1;
        Outputs = _onnx.Output.Select(o => o.Name).ToHashSet();
        _initializers = _onnx.Initializer.Select(t => t.Name).ToHashSet();

        var inputs = GraphInputs().Select(i => i.Name).ToList();
        var unknownInputs = options.Inputs.Keys.Where(name => !_onnx.Input.Any(i => i.Name == name)).Order(StringComparer.Ordinal).ToList();
        if (unknownInputs.Count > 0)
        {
            throw new ArgumentException(
                $"inputs names {List(unknownInputs)}, which the model does not take (it takes {List(inputs)})", nameof(options));
        }
        IEnumerable<string> trainable = options.AllTrainable
            ? _onnx.Initializer.Where(t => OnnxTensors.FloatingTypes.Contains(t.DataType)).Select(t => t.Name)
            : options.Trainable;
        _trainable = trainable.ToHashSet();
        var unknownTrainable = _trainable.Where(name => !_initializers.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (unknownTrainable.Count > 0)
        {
            throw new ArgumentException($"trainable names {List(unknownTrainable)}, which are not initializers of the model", nameof(options));
        }
        foreach (var initializer in _onnx.Initializer)
        {
            try
            {
                Define(initializer.Name, Read(initializer));
            }
            catch (UnsupportedOperandException e)
            {
                throw new UnsupportedOnnxException($"initializer '{initializer.Name}': cannot take {e.Message}");
            }
        }
    }

    public GraphAssembler Graph { get; } = new();

    /// <summary>The default (ai.onnx) domain's opset version, which some ops' defaults depend on.</summary>
    public long Opset { get; }

    /// <summary>The model's output names: each must end up as a node of that id.</summary>
    public IReadOnlySet<string> Outputs { get; }

    public Proto.Graph Import()
    {
        foreach (var value in GraphInputs())
        {
            _results[value.Name] = InputLeaf(value);
        }
        for (var index = 0; index < _onnx.Node.Count; index++)
        {
            Convert(index, _onnx.Node[index]);
        }
        var missing = _onnx.Output.Select(o => o.Name).Where(o => !Graph.Contains(o)).ToList();
        if (missing.Count > 0)
        {
            throw new UnsupportedOnnxException(
                $"the model's outputs {List(missing)} are its inputs or initializers unchanged; there is nothing to evaluate");
        }
        return Graph.Graph;
    }

    /// <summary>The value of an initializer or a Constant's output, or null for a value computed at run time.</summary>
    public Tensor? Known(string name) => _known.GetValueOrDefault(name);

    /// <summary>A tensor of the model (an initializer, a Constant's value) as float64.</summary>
    public Tensor Read(TensorProto tensor) => OnnxTensors.ToTensor(tensor, _directory);

    /// <summary>A value's shape; throws when it is not known.</summary>
    public int[] Shape(string name) => _shapes.GetValueOrDefault(name)
        ?? throw new UnsupportedOperandException($"'{name}' without a known shape (give `inputs` to fix the model's symbolic dimensions)");

    /// <summary>
    /// The node holding a node's index-th input, null when it is omitted. Initializers and Constants
    /// become leaves on first use: input leaves when trainable, constants otherwise.
    /// </summary>
    public string? Operand(NodeProto node, int index)
    {
        var name = index < node.Input.Count ? node.Input[index] : "";
        if (name.Length == 0)
        {
            return null;
        }
        if (_results.TryGetValue(name, out var id))
        {
            return id;
        }
        if (_known.TryGetValue(name, out var value))
        {
            var leaf = _trainable.Contains(name) ? Graph.Input(name, value) : Graph.Constant(value, name);
            _results[name] = leaf;
            return leaf;
        }
        throw new UnsupportedOperandException($"the operand '{name}', which no earlier node, input or initializer gives");
    }

    /// <summary>An operand the op cannot do without.</summary>
    public string Required(NodeProto node, int index) =>
        Operand(node, index) ?? throw new UnsupportedOperandException($"no operand {index}");

    /// <summary>A value known before run time: a Constant's.</summary>
    public void Define(string name, Tensor value)
    {
        _known[name] = value;
        _shapes[name] = value.Shape;
    }

    // Before IR version 4 an initializer was listed among the inputs too.
    private IEnumerable<ValueInfoProto> GraphInputs() => _onnx.Input.Where(i => !_initializers.Contains(i.Name));

    private string InputLeaf(ValueInfoProto value)
    {
        var declared = value.Type?.TensorType?.Shape?.Dim
            .Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? (long?)d.DimValue : null)
            .ToArray() ?? [];
        Tensor tensor;
        if (_options.Inputs.TryGetValue(value.Name, out var given))
        {
            if (declared.Length != given.Rank || declared.Where((d, axis) => d is { } size && size != given.Shape[axis]).Any())
            {
                throw new ArgumentException(
                    $"input '{value.Name}' is declared {Dims(declared)}, but the value given is [{string.Join(", ", given.Shape)}]");
            }
            tensor = given;
        }
        else if (declared.Any(d => d is null))
        {
            throw new ArgumentException($"input '{value.Name}' has symbolic dimensions {Dims(declared)}; give its value in the options' Inputs");
        }
        else
        {
            tensor = Tensor.Zeros([.. declared.Select(d => checked((int)d!.Value))]);
        }
        _shapes[value.Name] = tensor.Shape;
        return Graph.Input(value.Name, tensor);
    }

    private void Convert(int index, NodeProto node)
    {
        var where = node.Name.Length > 0 ? $"node '{node.Name}'" : $"node {index}";
        var described = $"{where} ({node.OpType}, output '{(node.Output.Count > 0 ? node.Output[0] : "")}')";
        var isDefaultDomain = node.Domain is "" or "ai.onnx";
        if (!isDefaultDomain || OnnxOps.Find(node.OpType) is not { } op)
        {
            var domain = isDefaultDomain ? "" : $"{node.Domain}.";
            throw new UnsupportedOnnxException(
                $"{described}: the op {domain}{node.OpType} is not supported. Supported: {string.Join(", ", OnnxOps.Names)}");
        }
        var attributes = new NodeAttributes(node);
        var extra = attributes.Names.Where(a => !op.Attributes.Contains(a)).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            var takes = op.Attributes.Count > 0 ? string.Join(", ", op.Attributes) : "no attributes";
            throw new UnsupportedOnnxException(
                $"{described}: the attribute(s) {string.Join(", ", extra)} are not supported; {node.OpType} takes {takes}");
        }
        var output = node.Output.Count > 0 ? node.Output[0] : "";
        string? result;
        try
        {
            result = op.Convert(this, output, node, attributes);
        }
        catch (UnsupportedOperandException e)
        {
            throw new UnsupportedOnnxException($"{described}: cannot take {e.Message}");
        }
        if (result is not null)
        {
            _results[output] = result;
            _shapes[output] = Graph.ShapeOf(result);
        }
    }

    private static string List(IEnumerable<string> names) => $"[{string.Join(", ", names.Select(n => $"'{n}'"))}]";

    private static string Dims(IEnumerable<long?> dims) => $"[{string.Join(", ", dims.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"))}]";
}
