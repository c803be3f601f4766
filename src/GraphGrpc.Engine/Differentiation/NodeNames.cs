using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Ops.Leaves;

namespace GraphGrpc.Engine.Differentiation;

/// <summary>Ids for the nodes a gradient graph adds: each unique among the original ids and every id given so far.</summary>
internal sealed class NodeNames(Plan plan)
{
    private readonly HashSet<string> _taken = [.. plan.Ids];
    private int _helpers;

    /// <summary><paramref name="name"/>, or it with primes appended until no node has it.</summary>
    public string Unique(string name)
    {
        while (!_taken.Add(name))
        {
            name += "'";
        }
        return name;
    }

    /// <summary>Names an added node that has no name yet; leaves keep theirs for <see cref="NameRest"/>, as a constant reads best as its value.</summary>
    public void Suggest(GraphEmitter emit, SymbolicTensor node, string name)
    {
        if (emit.IsAdded(node) && emit.AddedAt(node) is { Name: null } added && added.Op is not LeafOp)
        {
            added.Name = Unique(name);
        }
    }

    /// <summary>Names every added node still unnamed: a one-element constant by its value, others t1, t2, ...</summary>
    public void NameRest(GraphEmitter emit)
    {
        foreach (var added in emit.Added)
        {
            if (added.Name is not null)
            {
                continue;
            }
            added.Name = added.Op is LeafOp { IsVariable: false, Value.Length: 1 } constant
                ? Unique(constant.Value.Data[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture))
                : Unique($"t{++_helpers}");
        }
    }
}
