package graphgrpc

import (
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "graphgrpc/v1"
)

// Problem is one thing wrong with a graph or a request.
type Problem struct {
	// NodeID is the node the problem concerns; empty when it concerns no single node.
	NodeID string
	Kind   pb.ProblemKind
	// Message is a sentence saying what is wrong.
	Message string
}

func (p Problem) String() string {
	kind := strings.TrimPrefix(p.Kind.String(), "PROBLEM_KIND_")
	if p.NodeID == "" {
		return fmt.Sprintf("%s (%s)", p.Message, kind)
	}
	return fmt.Sprintf("node %q: %s (%s)", p.NodeID, p.Message, kind)
}

// GraphError is the server's refusal of a graph or request, with every problem it found:
// INVALID_ARGUMENT for an invalid graph, RESOURCE_EXHAUSTED for a breached limit.
// Find it with errors.As:
//
//	var graphErr *graphgrpc.GraphError
//	if errors.As(err, &graphErr) {
//		for _, p := range graphErr.Problems { ... }
//	}
type GraphError struct {
	Code     codes.Code
	Message  string
	Problems []Problem
	// Status is the gRPC status it came in.
	Status *status.Status
}

// Error lists every problem, one a line; the server's message says the same in one line.
func (e *GraphError) Error() string {
	if len(e.Problems) == 0 {
		return fmt.Sprintf("graphgrpc: %s: %s", e.Code, e.Message)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "graphgrpc: %s: %d problem(s):", e.Code, len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s", p)
	}
	return b.String()
}

// GRPCStatus lets status.FromError and status.Code see the original status through the error.
func (e *GraphError) GRPCStatus() *status.Status { return e.Status }

// problemsFromProto converts the problems of a ValidateResponse or a ValidationFailure.
func problemsFromProto(problems []*pb.Problem) []Problem {
	converted := make([]Problem, len(problems))
	for i, p := range problems {
		converted[i] = Problem{NodeID: p.NodeId, Kind: p.Kind, Message: p.Message}
	}
	return converted
}

// decodeError turns a status carrying a ValidationFailure into a *GraphError; other errors,
// with their status, pass through unchanged.
func decodeError(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	var problems []Problem
	found := false
	for _, detail := range st.Details() {
		if failure, ok := detail.(*pb.ValidationFailure); ok {
			found = true
			problems = append(problems, problemsFromProto(failure.Problems)...)
		}
	}
	if !found {
		return err
	}
	return &GraphError{Code: st.Code(), Message: st.Message(), Problems: problems, Status: st}
}
