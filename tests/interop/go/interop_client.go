// Command interop_client runs gRPC interop cases (grpc/grpc doc/interop-test-descriptions.md)
// with grpc-go against 127.0.0.1:PORT. It prints "PASS name" or "FAIL name: reason" per case
// and exits 1 if any case failed.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	testpb "interop/grpc_testing"
)

const specialMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"

var (
	echoInitialKey   = "x-grpc-test-echo-initial"
	echoInitialValue = "test_initial_metadata_value"
	echoTrailingKey  = "x-grpc-test-echo-trailing-bin"
	echoTrailingVal  = string([]byte{0xab, 0xab, 0xab})
)

type cases struct {
	test          testpb.TestServiceClient
	unimplemented testpb.UnimplementedServiceClient
	health        healthpb.HealthClient
}

func zeros(size int) *testpb.Payload { return &testpb.Payload{Body: make([]byte, size)} }

func largeRequest() *testpb.SimpleRequest {
	return &testpb.SimpleRequest{ResponseSize: 314159, Payload: zeros(271828)}
}

func checkLarge(response *testpb.SimpleResponse) error {
	body := response.GetPayload().GetBody()
	if len(body) != 314159 || !bytes.Equal(body, make([]byte, 314159)) {
		return fmt.Errorf("payload is %d bytes (or not all zeros), not 314159 zeros", len(body))
	}
	return nil
}

func expectCode(err error, code codes.Code) error {
	if err == nil {
		return fmt.Errorf("expected %v, but the call succeeded", code)
	}
	if status.Code(err) != code {
		return fmt.Errorf("expected %v, got %v", code, err)
	}
	return nil
}

func streamingRequest(sizes []int32, payloadSize int) *testpb.StreamingOutputCallRequest {
	request := &testpb.StreamingOutputCallRequest{}
	for _, size := range sizes {
		request.ResponseParameters = append(request.ResponseParameters, &testpb.ResponseParameters{Size: size})
	}
	if payloadSize >= 0 {
		request.Payload = zeros(payloadSize)
	}
	return request
}

func receiveAll(stream interface {
	Recv() (*testpb.StreamingOutputCallResponse, error)
}) ([]int, error) {
	var sizes []int
	for {
		response, err := stream.Recv()
		if err == io.EOF {
			return sizes, nil
		}
		if err != nil {
			return sizes, err
		}
		sizes = append(sizes, len(response.GetPayload().GetBody()))
	}
}

func (c *cases) empty_unary(ctx context.Context) error {
	_, err := c.test.EmptyCall(ctx, &testpb.Empty{})
	return err
}

func (c *cases) large_unary(ctx context.Context) error {
	response, err := c.test.UnaryCall(ctx, largeRequest())
	if err != nil {
		return err
	}
	return checkLarge(response)
}

func (c *cases) client_compressed_unary(ctx context.Context) error {
	probe := largeRequest()
	probe.ExpectCompressed = &testpb.BoolValue{Value: true}
	_, err := c.test.UnaryCall(ctx, probe)
	if err := expectCode(err, codes.InvalidArgument); err != nil {
		return fmt.Errorf("probe: %v", err)
	}
	response, err := c.test.UnaryCall(ctx, probe, grpc.UseCompressor(gzip.Name))
	if err != nil {
		return err
	}
	if err := checkLarge(response); err != nil {
		return err
	}
	plain := largeRequest()
	plain.ExpectCompressed = &testpb.BoolValue{Value: false}
	if response, err = c.test.UnaryCall(ctx, plain); err != nil {
		return err
	}
	return checkLarge(response)
}

func (c *cases) server_compressed_unary(ctx context.Context) error {
	for _, compressed := range []bool{true, false} {
		request := largeRequest()
		request.ResponseCompressed = &testpb.BoolValue{Value: compressed}
		response, err := c.test.UnaryCall(ctx, request)
		if err != nil {
			return err
		}
		if err := checkLarge(response); err != nil {
			return err
		}
	}
	return nil
}

func (c *cases) sendInput(ctx context.Context, requests []*testpb.StreamingInputCallRequest, options ...grpc.CallOption) (int32, error) {
	stream, err := c.test.StreamingInputCall(ctx, options...)
	if err != nil {
		return 0, err
	}
	for _, request := range requests {
		if err := stream.Send(request); err != nil {
			break // the real error comes from CloseAndRecv
		}
	}
	response, err := stream.CloseAndRecv()
	if err != nil {
		return 0, err
	}
	return response.GetAggregatedPayloadSize(), nil
}

func (c *cases) client_streaming(ctx context.Context) error {
	var requests []*testpb.StreamingInputCallRequest
	for _, size := range []int{27182, 8, 1828, 45904} {
		requests = append(requests, &testpb.StreamingInputCallRequest{Payload: zeros(size)})
	}
	total, err := c.sendInput(ctx, requests)
	if err != nil {
		return err
	}
	if total != 74922 {
		return fmt.Errorf("aggregated size %d", total)
	}
	return nil
}

func (c *cases) client_compressed_streaming(ctx context.Context) error {
	probe := &testpb.StreamingInputCallRequest{Payload: zeros(27182), ExpectCompressed: &testpb.BoolValue{Value: true}}
	_, err := c.sendInput(ctx, []*testpb.StreamingInputCallRequest{probe})
	if err := expectCode(err, codes.InvalidArgument); err != nil {
		return fmt.Errorf("probe: %v", err)
	}
	// grpc-go compresses per call, so the second message is compressed too.
	second := &testpb.StreamingInputCallRequest{Payload: zeros(45904), ExpectCompressed: &testpb.BoolValue{Value: false}}
	total, err := c.sendInput(ctx, []*testpb.StreamingInputCallRequest{probe, second}, grpc.UseCompressor(gzip.Name))
	if err != nil {
		return err
	}
	if total != 73086 {
		return fmt.Errorf("aggregated size %d", total)
	}
	return nil
}

func (c *cases) server_streaming(ctx context.Context) error {
	stream, err := c.test.StreamingOutputCall(ctx, streamingRequest([]int32{31415, 9, 2653, 58979}, -1))
	if err != nil {
		return err
	}
	sizes, err := receiveAll(stream)
	if err != nil {
		return err
	}
	if fmt.Sprint(sizes) != "[31415 9 2653 58979]" {
		return fmt.Errorf("sizes %v", sizes)
	}
	return nil
}

func (c *cases) server_compressed_streaming(ctx context.Context) error {
	request := &testpb.StreamingOutputCallRequest{ResponseParameters: []*testpb.ResponseParameters{
		{Size: 31415, Compressed: &testpb.BoolValue{Value: true}},
		{Size: 92653, Compressed: &testpb.BoolValue{Value: false}},
	}}
	stream, err := c.test.StreamingOutputCall(ctx, request)
	if err != nil {
		return err
	}
	sizes, err := receiveAll(stream)
	if err != nil {
		return err
	}
	if fmt.Sprint(sizes) != "[31415 92653]" {
		return fmt.Errorf("sizes %v", sizes)
	}
	return nil
}

func (c *cases) ping_pong(ctx context.Context) error {
	stream, err := c.test.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	for _, pair := range [][2]int{{31415, 27182}, {9, 8}, {2653, 1828}, {58979, 45904}} {
		if err := stream.Send(streamingRequest([]int32{int32(pair[0])}, pair[1])); err != nil {
			return err
		}
		response, err := stream.Recv()
		if err != nil {
			return err
		}
		if len(response.GetPayload().GetBody()) != pair[0] {
			return fmt.Errorf("response of %d bytes, not %d", len(response.GetPayload().GetBody()), pair[0])
		}
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	if _, err := stream.Recv(); err != io.EOF {
		return fmt.Errorf("expected the end of the stream, got %v", err)
	}
	return nil
}

func (c *cases) empty_stream(ctx context.Context) error {
	stream, err := c.test.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	if _, err := stream.Recv(); err != io.EOF {
		return fmt.Errorf("expected no responses, got %v", err)
	}
	return nil
}

func (c *cases) timeout_on_sleeping_server(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	stream, err := c.test.FullDuplexCall(ctx)
	if err != nil {
		return expectCode(err, codes.DeadlineExceeded)
	}
	_ = stream.Send(streamingRequest(nil, 27182))
	_, err = stream.Recv()
	return expectCode(err, codes.DeadlineExceeded)
}

func (c *cases) cancel_after_begin(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := c.test.StreamingInputCall(ctx)
	if err != nil {
		cancel()
		return err
	}
	cancel()
	_, err = stream.CloseAndRecv()
	return expectCode(err, codes.Canceled)
}

func (c *cases) cancel_after_first_response(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.test.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(streamingRequest([]int32{31415}, 27182)); err != nil {
		return err
	}
	if _, err := stream.Recv(); err != nil {
		return err
	}
	cancel()
	_, err = stream.Recv()
	return expectCode(err, codes.Canceled)
}

func checkStatus(err error, message string) error {
	if err := expectCode(err, codes.Unknown); err != nil {
		return err
	}
	if got := status.Convert(err).Message(); got != message {
		return fmt.Errorf("message %q, want %q", got, message)
	}
	return nil
}

func (c *cases) statusCase(ctx context.Context, message string) error {
	echo := &testpb.EchoStatus{Code: 2, Message: message}
	_, err := c.test.UnaryCall(ctx, &testpb.SimpleRequest{ResponseStatus: echo})
	if err := checkStatus(err, message); err != nil {
		return fmt.Errorf("unary: %v", err)
	}
	stream, err := c.test.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(&testpb.StreamingOutputCallRequest{ResponseStatus: echo}); err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	_, err = stream.Recv()
	if err := checkStatus(err, message); err != nil {
		return fmt.Errorf("duplex: %v", err)
	}
	return nil
}

func (c *cases) status_code_and_message(ctx context.Context) error {
	return c.statusCase(ctx, "test status message")
}

func (c *cases) special_status_message(ctx context.Context) error {
	return c.statusCase(ctx, specialMessage)
}

func checkEcho(header, trailer metadata.MD) error {
	if got := header.Get(echoInitialKey); len(got) != 1 || got[0] != echoInitialValue {
		return fmt.Errorf("initial metadata %v", header)
	}
	if got := trailer.Get(echoTrailingKey); len(got) != 1 || got[0] != echoTrailingVal {
		return fmt.Errorf("trailing metadata %v", trailer)
	}
	return nil
}

func (c *cases) custom_metadata(ctx context.Context) error {
	ctx = metadata.AppendToOutgoingContext(ctx, echoInitialKey, echoInitialValue, echoTrailingKey, echoTrailingVal)
	var header, trailer metadata.MD
	response, err := c.test.UnaryCall(ctx, largeRequest(), grpc.Header(&header), grpc.Trailer(&trailer))
	if err != nil {
		return err
	}
	if err := checkLarge(response); err != nil {
		return err
	}
	if err := checkEcho(header, trailer); err != nil {
		return fmt.Errorf("unary: %v", err)
	}
	stream, err := c.test.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(streamingRequest([]int32{314159}, 271828)); err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	sizes, err := receiveAll(stream)
	if err != nil {
		return err
	}
	if fmt.Sprint(sizes) != "[314159]" {
		return fmt.Errorf("duplex sizes %v", sizes)
	}
	streamHeader, err := stream.Header()
	if err != nil {
		return err
	}
	if err := checkEcho(streamHeader, stream.Trailer()); err != nil {
		return fmt.Errorf("duplex: %v", err)
	}
	return nil
}

func (c *cases) unimplemented_method(ctx context.Context) error {
	_, err := c.test.UnimplementedCall(ctx, &testpb.Empty{})
	return expectCode(err, codes.Unimplemented)
}

func (c *cases) unimplemented_service(ctx context.Context) error {
	_, err := c.unimplemented.UnimplementedCall(ctx, &testpb.Empty{})
	return expectCode(err, codes.Unimplemented)
}

func (c *cases) health_check(ctx context.Context) error {
	for _, service := range []string{"", "grpc.testing.TestService"} {
		response, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			return err
		}
		if response.Status != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("%q is %v", service, response.Status)
		}
	}
	_, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: "no.such.Service"})
	return expectCode(err, codes.NotFound)
}

func (c *cases) health_watch(ctx context.Context) error {
	for service, want := range map[string]healthpb.HealthCheckResponse_ServingStatus{
		"grpc.testing.TestService": healthpb.HealthCheckResponse_SERVING,
		"no.such.Service":          healthpb.HealthCheckResponse_SERVICE_UNKNOWN,
	} {
		watchCtx, cancel := context.WithCancel(ctx)
		stream, err := c.health.Watch(watchCtx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			cancel()
			return err
		}
		response, err := stream.Recv()
		cancel()
		if err != nil {
			return err
		}
		if response.Status != want {
			return fmt.Errorf("%q watched as %v, want %v", service, response.Status, want)
		}
	}
	return nil
}

func main() {
	port := flag.Int("server_port", 0, "server port on 127.0.0.1")
	testCases := flag.String("test_cases", "", "comma-separated case names")
	flag.Parse()

	conn, err := grpc.Dial(fmt.Sprintf("127.0.0.1:%d", *port), grpc.WithInsecure())
	if err != nil {
		fmt.Println("FAIL dial:", err)
		os.Exit(1)
	}
	defer conn.Close()
	c := &cases{testpb.NewTestServiceClient(conn), testpb.NewUnimplementedServiceClient(conn), healthpb.NewHealthClient(conn)}
	all := map[string]func(context.Context) error{
		"empty_unary": c.empty_unary, "large_unary": c.large_unary,
		"client_compressed_unary": c.client_compressed_unary, "server_compressed_unary": c.server_compressed_unary,
		"client_streaming": c.client_streaming, "client_compressed_streaming": c.client_compressed_streaming,
		"server_streaming": c.server_streaming, "server_compressed_streaming": c.server_compressed_streaming,
		"ping_pong": c.ping_pong, "empty_stream": c.empty_stream,
		"timeout_on_sleeping_server": c.timeout_on_sleeping_server,
		"cancel_after_begin": c.cancel_after_begin, "cancel_after_first_response": c.cancel_after_first_response,
		"status_code_and_message": c.status_code_and_message, "special_status_message": c.special_status_message,
		"custom_metadata": c.custom_metadata,
		"unimplemented_method": c.unimplemented_method, "unimplemented_service": c.unimplemented_service,
		"health_check": c.health_check, "health_watch": c.health_watch,
	}
	failed := 0
	for _, name := range strings.Split(*testCases, ",") {
		run, ok := all[name]
		err := errors.New("unknown case")
		if ok {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err = run(ctx)
			cancel()
		}
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, err)
		} else {
			fmt.Printf("PASS %s\n", name)
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}
