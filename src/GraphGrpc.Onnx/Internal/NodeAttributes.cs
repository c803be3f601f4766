using Onnx;
using AttributeType = Onnx.AttributeProto.Types.AttributeType;

namespace GraphGrpc.Onnx.Internal;

/// <summary>A node's attributes by name, read as onnx.helper.get_attribute_value reads them.</summary>
internal sealed class NodeAttributes(NodeProto node)
{
    private readonly Dictionary<string, AttributeProto> _byName = node.Attribute.ToDictionary(a => a.Name);

    public IEnumerable<string> Names => _byName.Keys;

    public int Count => _byName.Count;

    public bool Has(string name) => _byName.ContainsKey(name);

    /// <summary>A FLOAT attribute (an INT one read as a number), or the default when the node has none.</summary>
    public double Float(string name, double otherwise) => _byName.TryGetValue(name, out var a)
        ? a.Type == AttributeType.Int ? a.I : a.F
        : otherwise;

    public long Int(string name, long otherwise) => _byName.TryGetValue(name, out var a) ? a.I : otherwise;

    /// <summary>An INTS attribute, or null when the node has none.</summary>
    public long[]? Ints(string name) => _byName.TryGetValue(name, out var a) ? [.. a.Ints] : null;

    public AttributeProto? Get(string name) => _byName.GetValueOrDefault(name);
}
