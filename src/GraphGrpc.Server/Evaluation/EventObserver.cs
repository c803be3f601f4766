using GraphGrpc.Engine.Evaluation;
using GraphGrpc.Engine.Tensors;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// Turns each value and gradient the request selected into an event, the moment the evaluator has it;
/// a node's tangent goes right after its value, selected with it.
/// </summary>
internal sealed class EventObserver(EvaluationCall call, Action<Proto.EvaluateEvent> emit) : IEvaluationObserver
{
    public void OnValue(int slot, Tensor value)
    {
        if (call.SendValues[slot])
        {
            emit(new Proto.EvaluateEvent
            {
                Value = new Proto.NodeValue { NodeId = call.Plan.Ids[slot], Value = ProtoConversions.ToProto(value, call.RawTensors) },
            });
        }
    }

    public void OnTangent(int slot, Tensor tangent)
    {
        if (call.SendValues[slot])
        {
            emit(new Proto.EvaluateEvent
            {
                Tangent = new Proto.NodeTangent { NodeId = call.Plan.Ids[slot], Tangent = ProtoConversions.ToProto(tangent, call.RawTensors) },
            });
        }
    }

    public void OnGradient(int slot, Tensor gradient)
    {
        if (call.SendGradients[slot])
        {
            emit(new Proto.EvaluateEvent
            {
                Gradient = new Proto.NodeGradient { NodeId = call.Plan.Ids[slot], Gradient = ProtoConversions.ToProto(gradient, call.RawTensors) },
            });
        }
    }
}
