using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// All the explainer reads from the rest of the engine, in one place so it is easy to re-point: the
/// plan's nodes in topological order with their operands and shapes, the forward values, and each
/// op's numeric backward rule (its vector-Jacobian product for one operand).
/// </summary>
internal sealed class PlanView
{
    private readonly Plan _plan;
    private readonly Tensor[] _values;
    private readonly Tensor[] _operands;

    private PlanView(Plan plan, Tensor[] values)
    {
        _plan = plan;
        _values = values;
        _operands = new Tensor[plan.Inputs.Length == 0 ? 0 : plan.Inputs.Max(inputs => inputs.Length)];
    }

    /// <summary>Runs the forward pass, whose values every backward rule below reads.</summary>
    public static PlanView Forward(Plan plan, CancellationToken cancellationToken) =>
        new(plan, Evaluator.Forward(plan, cancellationToken));

    /// <summary>Slots are the topological order: a node's operands have smaller slots.</summary>
    public int Count => _plan.Count;

    public string Id(int slot) => _plan.Ids[slot];

    public int SlotOf(string id) => _plan.SlotOf(id);

    /// <summary>The operand slots of a node, in operand order.</summary>
    public int[] Operands(int slot) => _plan.Inputs[slot];

    public int[] Shape(int slot) => _plan.Shapes[slot];

    /// <summary>
    /// The vector-Jacobian product through one edge: how <paramref name="cotangent"/>, shaped like the
    /// node, flows back into operand number <paramref name="operand"/>. An operand the op sends no
    /// gradient to (a class index) gets zeros, so every path still has a contribution.
    /// </summary>
    public Tensor Backward(int slot, int operand, Tensor cotangent)
    {
        var inputSlots = _plan.Inputs[slot];
        for (var k = 0; k < inputSlots.Length; k++)
        {
            _operands[k] = _values[inputSlots[k]];
        }
        var operands = _operands.AsSpan(0, inputSlots.Length);
        return _plan.Ops[slot].Backward(operand, operands, _values[slot], cotangent) ?? Tensor.Zeros(Shape(inputSlots[operand]));
    }
}
