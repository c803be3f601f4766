using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using GraphGrpc.Contracts.V1;

namespace GraphGrpc.Contracts;

/// <summary>
/// Says where a graph file's JSON goes wrong, which protobuf's parser does not. It runs only after
/// that parser has refused the file: first System.Text.Json finds syntax errors with their line and
/// column; then each field is parsed again on its own, descending into the one that fails, so the
/// report points at the innermost field at fault and names the node that holds it.
/// </summary>
internal sealed class GraphFileFaultFinder
{
    private readonly JsonParser _parser;
    private readonly byte[] _utf8;

    private GraphFileFaultFinder(JsonParser parser, string json)
    {
        _parser = parser;
        _utf8 = Encoding.UTF8.GetBytes(json);
    }

    /// <summary>The exception to throw for <paramref name="json"/>, which <paramref name="parser"/> refused with <paramref name="refusal"/>.</summary>
    public static InvalidGraphFileException Explain(JsonParser parser, string json, Exception refusal) =>
        new GraphFileFaultFinder(parser, json).Explain(refusal);

    private InvalidGraphFileException Explain(Exception refusal)
    {
        var fault = FindEmptyFile() ?? FindSyntaxFault() ?? FindRootFault() ?? FindFieldFault(0, _utf8.Length, Graph.Descriptor, node: null)
            ?? new Fault(0, refusal.Message, null);
        var (line, column) = LineAndColumn(fault.Offset);
        var where = $"line {line}, column {column}";
        if (fault.Node is { } node)
        {
            where += $", node #{node.Index} (counting from 0){(node.Id is null ? "" : $", id '{node.Id}'")}";
        }
        return new InvalidGraphFileException($"not a valid graph: {where}: {fault.Message}", refusal)
        {
            Line = line,
            Column = column,
            NodeIndex = fault.Node?.Index,
            NodeId = fault.Node?.Id,
        };
    }

    private Fault? FindEmptyFile() =>
        _utf8.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            ? new Fault(0, "the file is empty; a graph file is a JSON object: { \"nodes\": [ ... ] }", null)
            : null;

    private Fault? FindSyntaxFault()
    {
        var reader = new Utf8JsonReader(_utf8, new JsonReaderOptions { MaxDepth = 1000 });
        try
        {
            while (reader.Read())
            {
            }
            return null;
        }
        catch (JsonException e)
        {
            // Its message ends with the position in its own words ("LineNumber: 0 | ..."), which the report gives instead.
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return new Fault(OffsetOf(e.LineNumber ?? 0, e.BytePositionInLine ?? 0), cut < 0 ? message : message[..cut], null);
        }
    }

    private Fault? FindRootFault()
    {
        var reader = new Utf8JsonReader(_utf8);
        reader.Read();
        return reader.TokenType == JsonTokenType.StartObject
            ? null
            : new Fault((int)reader.TokenStartIndex, $"a graph file is a JSON object, {{ \"nodes\": [ ... ] }}, not {Describe(reader.TokenType)}", null);
    }

    /// <summary>The innermost fault in the object at [start, end), read as <paramref name="type"/>; null when each field parses on its own.</summary>
    private Fault? FindFieldFault(int start, int end, MessageDescriptor type, NodeContext? node)
    {
        foreach (var property in Properties(start, end))
        {
            var field = type.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == property.Name || f.Name == property.Name);
            if (field is null)
            {
                return new Fault(property.NameOffset, UnknownField(type, property.Name), node);
            }
            var refusal = Refusal($"{{\"{property.Name}\":{Text(property.ValueStart, property.ValueEnd)}}}", type);
            if (refusal is null)
            {
                continue;
            }
            if (field.FieldType == FieldType.Message && _utf8[property.ValueStart] == (byte)'[' && field.IsRepeated)
            {
                var inElement = FindElementFault(property, field, type == Graph.Descriptor);
                if (inElement is not null)
                {
                    return inElement;
                }
            }
            else if (field.FieldType == FieldType.Message && _utf8[property.ValueStart] == (byte)'{')
            {
                var inner = FindFieldFault(property.ValueStart, property.ValueEnd, field.MessageType, node);
                if (inner is not null)
                {
                    return inner;
                }
            }
            var names = field.FieldType == FieldType.Enum ? $"; it is one of: {string.Join(", ", field.EnumType.Values.Select(v => v.Name))}" : "";
            return new Fault(property.NameOffset, $"'{property.Name}': {refusal}{names}", node);
        }
        return null;
    }

    private Fault? FindElementFault(Property property, FieldDescriptor field, bool isNodes)
    {
        var index = 0;
        foreach (var (start, end) in Elements(property.ValueStart, property.ValueEnd))
        {
            var node = isNodes ? new NodeContext(index, IdOf(start, end)) : null;
            var refusal = Refusal(Text(start, end), field.MessageType);
            if (refusal is not null)
            {
                var inner = _utf8[start] == (byte)'{' ? FindFieldFault(start, end, field.MessageType, node) : null;
                return inner ?? new Fault(start, refusal, node);
            }
            index++;
        }
        return null;
    }

    private string? Refusal(string json, MessageDescriptor type)
    {
        try
        {
            _parser.Parse(json, type);
            return null;
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            return e.Message;
        }
    }

    private static string UnknownField(MessageDescriptor type, string name)
    {
        if (type == Node.Descriptor)
        {
            var ops = Node.Descriptor.Oneofs[0].Fields.Select(f => f.JsonName);
            return $"unknown op or field '{name}'; a node has \"id\", \"inputs\" and one op, which is one of: {string.Join(", ", ops)}";
        }
        var fields = type.Fields.InDeclarationOrder().Select(f => f.JsonName);
        return $"unknown field '{name}'; a {type.Name} has: {string.Join(", ", fields)}";
    }

    private string? IdOf(int start, int end)
    {
        foreach (var property in Properties(start, end))
        {
            if (property.Name == "id" && _utf8[property.ValueStart] == (byte)'"')
            {
                return JsonSerializer.Deserialize<string>(_utf8.AsSpan(property.ValueStart, property.ValueEnd - property.ValueStart));
            }
        }
        return null;
    }

    /// <summary>The properties of the object at [start, end); none when it is not an object.</summary>
    private List<Property> Properties(int start, int end)
    {
        var properties = new List<Property>();
        var reader = new Utf8JsonReader(_utf8.AsSpan(start, end - start));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return properties;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameOffset = start + (int)reader.TokenStartIndex;
            var name = reader.GetString()!;
            reader.Read();
            var valueStart = start + (int)reader.TokenStartIndex;
            reader.Skip();
            properties.Add(new Property(name, nameOffset, valueStart, start + (int)reader.BytesConsumed));
        }
        return properties;
    }

    /// <summary>The [start, end) of each element of the array at [start, end).</summary>
    private List<(int Start, int End)> Elements(int start, int end)
    {
        var elements = new List<(int, int)>();
        var reader = new Utf8JsonReader(_utf8.AsSpan(start, end - start));
        reader.Read();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var elementStart = start + (int)reader.TokenStartIndex;
            reader.Skip();
            elements.Add((elementStart, start + (int)reader.BytesConsumed));
        }
        return elements;
    }

    private string Text(int start, int end) => Encoding.UTF8.GetString(_utf8, start, end - start);

    /// <summary>The byte offset of a zero-based line and byte position, as System.Text.Json reports them.</summary>
    private int OffsetOf(long line, long bytePosition)
    {
        var offset = 0;
        for (var seen = 0L; seen < line && offset < _utf8.Length; offset++)
        {
            if (_utf8[offset] == (byte)'\n')
            {
                seen++;
            }
        }
        return (int)Math.Min(offset + bytePosition, _utf8.Length);
    }

    /// <summary>The line and column, both from 1, of a byte offset; the column counts characters, not bytes.</summary>
    private (int Line, int Column) LineAndColumn(int offset)
    {
        var lineStart = offset == 0 ? 0 : Array.LastIndexOf(_utf8, (byte)'\n', offset - 1) + 1;
        var line = 1 + _utf8.AsSpan(0, lineStart).Count((byte)'\n');
        return (line, 1 + Encoding.UTF8.GetCharCount(_utf8, lineStart, offset - lineStart));
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };

    private sealed record Fault(int Offset, string Message, NodeContext? Node);

    private sealed record NodeContext(int Index, string? Id);

    private sealed record Property(string Name, int NameOffset, int ValueStart, int ValueEnd);
}
