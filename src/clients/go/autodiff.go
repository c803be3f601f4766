package graphgrpc

import (
	"context"
	"fmt"
	"sort"

	pb "graphgrpc/v1"
)

// Tangent gives an input leaf a tangent, shaped like it, for forward mode: Evaluate then returns each
// node's tangent, its derivative along the tangents given (the other leaves have tangent zero).
func Tangent(input NodeRef, tangent Tensor) Option {
	return func(o *options) {
		if o.tangents == nil {
			o.tangents = map[string]Tensor{}
		}
		o.tangents[input.ID()] = tangent
		o.set = append(o.set, "Tangent")
	}
}

// TangentColumns gives EvaluateBatch a tangent for some of its batch inputs at every point, laid out
// like their input columns; the batch result then has the outputs' tangents.
func TangentColumns(columns map[string][]float64) Option {
	return func(o *options) {
		o.tangentColumns = columns
		o.set = append(o.set, "TangentColumns")
	}
}

// ForwardOnly has EvaluateBatch compute values (and tangents) only: no backward pass, no gradients.
func ForwardOnly() Option {
	return func(o *options) {
		o.forwardOnly = true
		o.set = append(o.set, "ForwardOnly")
	}
}

// SeedsAsInputs has Differentiate seed each output with a new input leaf (Gradient.Seeds) rather
// than ones, so that the gradient graph computes a vector-Jacobian product for any seed.
func SeedsAsInputs() Option {
	return func(o *options) {
		o.seedsAsInputs = true
		o.set = append(o.set, "SeedsAsInputs")
	}
}

// GradientSink is a sink of a gradient graph: NodeID computes d Output / d Wrt.
type GradientSink struct {
	NodeID, Output, Wrt string
}

// Gradient is the gradient as a graph, from Differentiate. It is a Source: evaluate it, stream it
// through EvaluateBatch, or differentiate it again for second derivatives.
type Gradient struct {
	Graph *pb.Graph
	// Sinks has one sink per output and wrt node.
	Sinks []GradientSink
	// Seeds maps each output to its seed leaf, with SeedsAsInputs.
	Seeds map[string]string
	// PlanHash is the gradient graph's compiled plan, which the server holds.
	PlanHash string
}

// Proto is the gradient graph.
func (g *Gradient) Proto() *pb.Graph { return g.Graph }

// Sink is the node computing the gradient with respect to wrt (of the one output there is).
func (g *Gradient) Sink(wrt NodeRef) (NodeID, error) {
	var found []string
	for _, sink := range g.Sinks {
		if sink.Wrt == wrt.ID() {
			found = append(found, sink.NodeID)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("graphgrpc: the gradient graph has %d sinks for the gradient with respect to %q, not one", len(found), wrt.ID())
	}
	return NodeID(found[0]), nil
}

// Differentiate returns the gradient as a graph: the graph's leaves plus a sink grad(OUTPUT, WRT) per
// output (Outputs; the graph's one sink by default) and wrt node (Wrt; every input leaf by default).
// An invalid graph or request fails with a *GraphError naming the node.
func (c *Client) Differentiate(ctx context.Context, graph Source, opts ...Option) (*Gradient, error) {
	o, err := collect("Differentiate", opts, "SeedsAsInputs")
	if err != nil {
		return nil, err
	}
	response, err := c.stub.Differentiate(ctx, &pb.DifferentiateRequest{
		Plan: &pb.DifferentiateRequest_Graph{Graph: graph.Proto()}, Outputs: o.outputs, Wrt: o.wrt, SeedsAsInputs: o.seedsAsInputs,
	})
	if err != nil {
		return nil, decodeError(err)
	}
	gradient := &Gradient{Graph: response.Graph, Seeds: map[string]string{}, PlanHash: response.PlanHash}
	for _, sink := range response.Gradients {
		gradient.Sinks = append(gradient.Sinks, GradientSink{NodeID: sink.NodeId, Output: sink.Output, Wrt: sink.Wrt})
	}
	for _, seed := range response.Seeds {
		gradient.Seeds[seed.Output] = seed.NodeId
	}
	return gradient, nil
}

// HessianVectorProduct is H v, H the Hessian of the graph's output (Outputs, or its one sink) with
// respect to the inputs named in direction, at the graph's leaf values, keyed by input id: the
// gradient graph evaluated with direction as its tangents (forward over reverse).
func (c *Client) HessianVectorProduct(ctx context.Context, graph Source, direction map[string]Tensor, opts ...Option) (map[string]Tensor, error) {
	o, err := collect("HessianVectorProduct", opts)
	if err != nil {
		return nil, err
	}
	if len(direction) == 0 {
		return nil, fmt.Errorf("graphgrpc: HessianVectorProduct needs a direction for at least one input")
	}
	wrt := make([]NodeRef, 0, len(direction))
	for id := range direction {
		wrt = append(wrt, NodeID(id))
	}
	sort.Slice(wrt, func(i, j int) bool { return wrt[i].ID() < wrt[j].ID() })
	outputs := make([]NodeRef, len(o.outputs))
	for i, id := range o.outputs {
		outputs[i] = NodeID(id)
	}
	gradient, err := c.Differentiate(ctx, graph, Outputs(outputs...), Wrt(wrt...))
	if err != nil {
		return nil, err
	}
	tangents := make([]Option, 0, len(direction)+1)
	for id, v := range direction {
		tangents = append(tangents, Tangent(NodeID(id), v))
	}
	tangents = append(tangents, Gradients())
	result, err := c.Evaluate(ctx, gradient, tangents...)
	if err != nil {
		return nil, err
	}
	product := map[string]Tensor{}
	for _, sink := range gradient.Sinks {
		product[sink.Wrt] = result.Tangents[sink.NodeID]
	}
	return product, nil
}

// tangentColumns pairs each tangent column with its batch input, whose point shape it takes.
func tangentColumns(columns []column, tangents map[string][]float64) ([]column, error) {
	shapes := map[string]column{}
	for _, c := range columns {
		shapes[c.id] = c
	}
	paired := make([]column, 0, len(tangents))
	for id, data := range tangents {
		input, ok := shapes[id]
		if !ok {
			return nil, fmt.Errorf("graphgrpc: a tangent column for %q, which is not a batch input", id)
		}
		if len(data) != len(input.data) {
			return nil, fmt.Errorf("graphgrpc: the tangent column of %q has %d values, its input column %d", id, len(data), len(input.data))
		}
		paired = append(paired, column{id: id, data: data, pointShape: input.pointShape})
	}
	sort.Slice(paired, func(i, j int) bool { return paired[i].id < paired[j].id })
	return paired, nil
}
