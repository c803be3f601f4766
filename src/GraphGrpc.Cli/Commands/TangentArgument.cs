using System.CommandLine.Parsing;
using System.Globalization;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// One --tangent ID=V1,V2,...: an input leaf's tangent, its values in row-major order. The leaf gives the
/// shape; values that do not fill it keep their own count as shape, so the request check says what is wrong.
/// </summary>
internal sealed record TangentArgument(string NodeId, double[] Values)
{
    public const string Syntax = "ID=V1,V2,...";

    public Tensor ShapedFor(Plan? plan)
    {
        if (plan is not null && TryShape(plan) is { } shape && Shapes.ElementCount(shape) == Values.Length)
        {
            return new Tensor(shape, Values);
        }
        return Values.Length == 1 ? Tensor.Scalar(Values[0]) : new Tensor([Values.Length], Values);
    }

    private int[]? TryShape(Plan plan)
    {
        try
        {
            return plan.Shapes[plan.SlotOf(NodeId)];
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Parses every token of the option, or reports the first that does not read as ID=numbers.</summary>
    public static TangentArgument[] Parse(ArgumentResult result)
    {
        var parsed = new List<TangentArgument>();
        foreach (var token in result.Tokens)
        {
            var text = token.Value;
            var equals = text.LastIndexOf('=');
            double[]? values = null;
            if (equals > 0)
            {
                values = text[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries)
                    .Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : (double?)null)
                    .ToArray() is var numbers && numbers.All(n => n is not null) ? [.. numbers.Select(n => n!.Value)] : null;
            }
            if (values is null || values.Length == 0)
            {
                result.AddError($"--tangent '{text}' is not {Syntax} (an input's id, then its tangent's values, comma-separated)");
                return [];
            }
            parsed.Add(new TangentArgument(text[..equals], values));
        }
        return [.. parsed];
    }
}
