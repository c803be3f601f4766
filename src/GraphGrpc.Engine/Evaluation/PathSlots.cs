using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Ops.Leaves;

namespace GraphGrpc.Engine.Evaluation;

/// <summary>The slots backward must visit, shared by the one-point and the batch evaluator.</summary>
internal static class PathSlots
{
    /// <summary>
    /// Slots that depend on a wanted slot (forward sweep) and reach an output (backward sweep).
    /// With no wanted slots given, every input leaf is wanted.
    /// </summary>
    public static bool[] Between(Plan plan, IEnumerable<int> outputs, IReadOnlyCollection<int> wantedSlots)
    {
        var wanted = new bool[plan.Count];
        if (wantedSlots.Count > 0)
        {
            foreach (var slot in wantedSlots)
            {
                wanted[slot] = true;
            }
        }
        else
        {
            for (var slot = 0; slot < plan.Count; slot++)
            {
                wanted[slot] = plan.Ops[slot] is LeafOp { IsVariable: true };
            }
        }

        var dependsOnWanted = new bool[plan.Count];
        for (var slot = 0; slot < plan.Count; slot++)
        {
            dependsOnWanted[slot] = wanted[slot] || plan.Inputs[slot].Any(input => dependsOnWanted[input]);
        }

        var reachesOutput = new bool[plan.Count];
        foreach (var output in outputs)
        {
            reachesOutput[output] = true;
        }
        var onPath = new bool[plan.Count];
        for (var slot = plan.Count - 1; slot >= 0; slot--)
        {
            if (!reachesOutput[slot])
            {
                continue;
            }
            foreach (var input in plan.Inputs[slot])
            {
                reachesOutput[input] = true;
            }
            onPath[slot] = dependsOnWanted[slot];
        }
        return onPath;
    }
}
