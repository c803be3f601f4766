package graphgrpc

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "graphgrpc/v1"
)

// refusingServer refuses the first `refusals` EvaluateUnary calls with RESOURCE_EXHAUSTED and the
// given pushback, as an overloaded GraphGrpc server does, then answers.
type refusingServer struct {
	pb.UnimplementedGraphEvaluatorServer
	refusals int32
	pushback string
	calls    int32
}

func (s *refusingServer) EvaluateUnary(ctx context.Context, _ *pb.EvaluateRequest) (*pb.EvaluateUnaryResponse, error) {
	if atomic.AddInt32(&s.calls, 1) <= s.refusals {
		grpc.SetTrailer(ctx, metadata.Pairs(pushbackTrailer, s.pushback))
		return nil, status.Error(codes.ResourceExhausted, "at the concurrency limit")
	}
	return &pb.EvaluateUnaryResponse{Summary: &pb.EvaluationSummary{}}, nil
}

func startRefusingServer(t *testing.T, refusals int32, pushback string) (*refusingServer, string) {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	service := &refusingServer{refusals: refusals, pushback: pushback}
	server := grpc.NewServer()
	pb.RegisterGraphEvaluatorServer(server, service)
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	return service, listener.Addr().String()
}

func call(t *testing.T, address string, options ...DialOption) (time.Duration, error) {
	t.Helper()
	client, err := Dial(address, options...)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	started := time.Now()
	_, err = client.Stub().EvaluateUnary(ctx, &pb.EvaluateRequest{})
	return time.Since(started), err
}

func TestOverloadedCallIsRetriedAfterThePushback(t *testing.T) {
	service, address := startRefusingServer(t, 3, "40")

	took, err := call(t, address)

	if err != nil {
		t.Fatalf("the call failed after %d attempts: %v", service.calls, err)
	}
	if service.calls != 4 {
		t.Errorf("the server saw %d attempts, want 4", service.calls)
	}
	if took < 120*time.Millisecond {
		t.Errorf("three retries took %v, less than three pushbacks of 40 ms", took)
	}
}

func TestOverloadedCallGivesUpAfterMaxAttempts(t *testing.T) {
	service, address := startRefusingServer(t, 100, "5")

	_, err := call(t, address, WithMaxAttempts(3))

	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("got %v, want RESOURCE_EXHAUSTED", err)
	}
	if service.calls != 3 {
		t.Errorf("the server saw %d attempts, want 3", service.calls)
	}
}

func TestNegativePushbackIsNeverRetried(t *testing.T) {
	service, address := startRefusingServer(t, 100, "-1")

	_, err := call(t, address)

	if status.Code(err) != codes.ResourceExhausted || service.calls != 1 {
		t.Errorf("got %v after %d attempts, want RESOURCE_EXHAUSTED after 1", err, service.calls)
	}
}
