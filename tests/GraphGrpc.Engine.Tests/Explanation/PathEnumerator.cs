using GraphGrpc.Engine.Explanation;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>
/// Every path of a small explanation, by depth-first search over its edges (with an explicit stack),
/// each with the product of its edges' local gradients taken from the output down: the brute force
/// the explainer's dynamic programming must agree with.
/// </summary>
internal static class PathEnumerator
{
    public sealed record FoundPath(List<string> NodeIds, List<int> Operands, double Product);

    public static List<FoundPath> Every(GradientExplanation explanation)
    {
        var found = new List<FoundPath>();
        if (explanation.PathCount == 0)
        {
            return found;
        }
        var edgesOf = explanation.Edges.ToLookup(edge => edge.ConsumerId);
        var stack = new Stack<FoundPath>();
        stack.Push(new FoundPath([explanation.Output], [], 1));
        while (stack.TryPop(out var path))
        {
            var last = path.NodeIds[^1];
            if (last == explanation.Wrt)
            {
                found.Add(path);
                continue;
            }
            foreach (var edge in edgesOf[last])
            {
                // The local gradient of a tensor edge is not one number; its product is left as NaN.
                var local = edge.Local.Length == 1 ? edge.Local.Data[0] : double.NaN;
                stack.Push(new FoundPath([.. path.NodeIds, edge.InputId], [.. path.Operands, edge.Operand], path.Product * local));
            }
        }
        return found;
    }
}
