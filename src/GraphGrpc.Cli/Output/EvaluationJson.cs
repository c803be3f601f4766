using System.Text.Json;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Cli.Output;

/// <summary>
/// Writes an evaluation as JSON: each node's value and gradient in topological order. A scalar is a
/// number, a tensor nested arrays; NaN and infinities are the strings "NaN", "Infinity" and
/// "-Infinity", as in protobuf's JSON mapping, and a node with no gradient has null.
/// </summary>
internal static class EvaluationJson
{
    public static string Write(EvaluationReport report)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            WriteStrings(json, "outputs", report.Outputs);
            WriteStrings(json, "wrt", report.Wrt);
            json.WriteStartArray("nodes");
            foreach (var node in report.Nodes)
            {
                json.WriteStartObject();
                json.WriteString("id", node.Id);
                json.WriteString("op", node.Op);
                json.WriteStartArray("shape");
                foreach (var dim in node.Shape)
                {
                    json.WriteNumberValue(dim);
                }
                json.WriteEndArray();
                json.WritePropertyName("value");
                WriteTensor(json, node.Value);
                if (report.HasTangents)
                {
                    json.WritePropertyName("tangent");
                    WriteTensor(json, node.Tangent);
                }
                json.WritePropertyName("gradient");
                WriteTensor(json, node.Gradient);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (report.FirstNonFinite is { } nonFinite)
            {
                json.WriteStartObject("firstNonFinite");
                json.WriteString("id", nonFinite);
                json.WriteString("phase", report.NonFinitePhase);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("firstNonFinite");
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }
        json.WriteEndArray();
    }

    private static void WriteTensor(Utf8JsonWriter json, Tensor? tensor)
    {
        if (tensor is null)
        {
            json.WriteNullValue();
            return;
        }
        if (tensor.Rank == 0)
        {
            WriteNumber(json, tensor.Data[0]);
            return;
        }
        if (tensor.Length == 0)
        {
            json.WriteStartArray();
            json.WriteEndArray();
            return;
        }
        // Walk the data once; the array of axis a holds the elements of one block of blockSizes[a].
        var strides = Shapes.Strides(tensor.Shape);
        var blockSizes = strides.Select((stride, axis) => stride * tensor.Shape[axis]).ToArray();
        for (var i = 0; i < tensor.Length; i++)
        {
            for (var axis = 0; axis < tensor.Rank; axis++)
            {
                if (i % blockSizes[axis] == 0)
                {
                    json.WriteStartArray();
                }
            }
            WriteNumber(json, tensor.Data[i]);
            for (var axis = tensor.Rank - 1; axis >= 0; axis--)
            {
                if ((i + 1) % blockSizes[axis] == 0)
                {
                    json.WriteEndArray();
                }
            }
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
