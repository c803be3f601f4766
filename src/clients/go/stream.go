package graphgrpc

import (
	"context"
	"fmt"
	"io"

	pb "graphgrpc/v1"
)

// EventKind says what an Event carries.
type EventKind int

// The kinds of Event, in the order the server sends them.
const (
	// EventValue is a node's value, in topological order as each is computed.
	EventValue EventKind = iota + 1
	// EventGradient is a node's gradient, in reverse topological order.
	EventGradient
	// EventTrace is a node's trace, when the Trace option was given.
	EventTrace
	// EventSummary comes last.
	EventSummary
	// EventTangent is a node's tangent, right after its value, when the Tangent option was given.
	EventTangent
)

func (k EventKind) String() string {
	switch k {
	case EventValue:
		return "value"
	case EventGradient:
		return "gradient"
	case EventTrace:
		return "trace"
	case EventSummary:
		return "summary"
	case EventTangent:
		return "tangent"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one message of an evaluation stream.
type Event struct {
	Kind EventKind
	// NodeID is the node of a value, gradient or trace event.
	NodeID string
	// Tensor is the value, tangent or gradient.
	Tensor  Tensor
	Trace   *pb.TraceEvent
	Summary *pb.EvaluationSummary
}

// EventStream yields the events of one evaluation as they arrive.
type EventStream struct {
	stream pb.GraphEvaluator_EvaluateClient
}

// EvaluateStream starts an evaluation whose values and gradients arrive one event at a time:
//
//	stream, err := client.EvaluateStream(ctx, g)
//	for {
//		event, err := stream.Recv()
//		if err == io.EOF {
//			break
//		}
//		...
//	}
//
// An invalid graph fails the first Recv with a *GraphError. Cancel ctx to stop early.
func (c *Client) EvaluateStream(ctx context.Context, graph Source, opts ...Option) (*EventStream, error) {
	o, err := collect("EvaluateStream", opts, "Seed", "Values", "Gradients", "Trace", "RawTensors", "Tangent")
	if err != nil {
		return nil, err
	}
	stream, err := c.stub.Evaluate(ctx, o.evaluateRequest(graph))
	if err != nil {
		return nil, decodeError(err)
	}
	return &EventStream{stream: stream}, nil
}

// Recv is the next event; io.EOF after the summary, when the stream has ended well.
func (s *EventStream) Recv() (Event, error) {
	message, err := s.stream.Recv()
	if err == io.EOF {
		return Event{}, io.EOF
	}
	if err != nil {
		return Event{}, decodeError(err)
	}
	switch e := message.Event.(type) {
	case *pb.EvaluateEvent_Value:
		tensor, err := tensorFromProto(e.Value.Value)
		if err != nil {
			return Event{}, fmt.Errorf("the value of node %q: %w", e.Value.NodeId, err)
		}
		return Event{Kind: EventValue, NodeID: e.Value.NodeId, Tensor: tensor}, nil
	case *pb.EvaluateEvent_Tangent:
		tensor, err := tensorFromProto(e.Tangent.Tangent)
		if err != nil {
			return Event{}, fmt.Errorf("the tangent of node %q: %w", e.Tangent.NodeId, err)
		}
		return Event{Kind: EventTangent, NodeID: e.Tangent.NodeId, Tensor: tensor}, nil
	case *pb.EvaluateEvent_Gradient:
		tensor, err := tensorFromProto(e.Gradient.Gradient)
		if err != nil {
			return Event{}, fmt.Errorf("the gradient of node %q: %w", e.Gradient.NodeId, err)
		}
		return Event{Kind: EventGradient, NodeID: e.Gradient.NodeId, Tensor: tensor}, nil
	case *pb.EvaluateEvent_Trace:
		return Event{Kind: EventTrace, NodeID: e.Trace.NodeId, Trace: e.Trace}, nil
	case *pb.EvaluateEvent_Summary:
		return Event{Kind: EventSummary, Summary: e.Summary}, nil
	}
	return Event{}, fmt.Errorf("graphgrpc: the server sent an event of an unknown kind: %v", message)
}
