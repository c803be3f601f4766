package graphgrpc

import (
	"context"
	"math/rand"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// DefaultMaxAttempts is how many times Dial's client tries an idempotent call the server refused
// as overloaded, the first try included.
const DefaultMaxAttempts = 5

// pushbackTrailer is gRPC's retry trailer (gRFC A6): milliseconds to wait, negative for "do not retry".
const pushbackTrailer = "grpc-retry-pushback-ms"

// idempotentMethods are the unary calls that are safe to repeat. grpc-go 1.33 has gRPC's retry
// policy only behind the GRPC_GO_RETRY environment variable, so the client retries them itself.
var idempotentMethods = map[string]bool{
	"/graphgrpc.v1.GraphEvaluator/Validate":      true,
	"/graphgrpc.v1.GraphEvaluator/EvaluateUnary": true,
	"/graphgrpc.v1.GraphEvaluator/Explain":       true,
}

// WithMaxAttempts sets how many times an idempotent call is tried while the server refuses it as
// overloaded (RESOURCE_EXHAUSTED with a retry delay); 1 turns retries off.
func WithMaxAttempts(attempts int) DialOption {
	return func(c *dialConfig) { c.maxAttempts = attempts }
}

// retryOverloaded retries an idempotent unary call the server refused with RESOURCE_EXHAUSTED,
// after the delay its grpc-retry-pushback-ms trailer asks for (the server spreads that delay per
// refusal), or after a jittered exponential backoff when there is none. A negative pushback marks
// a limit the request itself broke: that is never retried, nor is anything past the deadline.
func retryOverloaded(maxAttempts int) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if !idempotentMethods[method] {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		for attempt := 1; ; attempt++ {
			var trailer metadata.MD
			err := invoker(ctx, method, req, reply, cc, append(opts, grpc.Trailer(&trailer))...)
			if err == nil || attempt >= maxAttempts || status.Code(err) != codes.ResourceExhausted {
				return err
			}
			delay, retry := retryDelay(trailer, attempt)
			if !retry {
				return err
			}
			timer := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				timer.Stop()
				return err
			case <-timer.C:
			}
		}
	}
}

// retryDelay is how long to wait before attempt+1, and whether to make it at all.
func retryDelay(trailer metadata.MD, attempt int) (time.Duration, bool) {
	if values := trailer.Get(pushbackTrailer); len(values) > 0 {
		ms, err := strconv.Atoi(values[0])
		if err != nil || ms < 0 {
			return 0, false
		}
		return time.Duration(ms) * time.Millisecond, true
	}
	backoff := 100 * time.Millisecond << uint(attempt-1)
	if backoff > 2*time.Second {
		backoff = 2 * time.Second
	}
	// Full jitter, as gRPC's own policy draws it: clients refused together come back apart.
	return time.Duration(rand.Int63n(int64(backoff)) + 1), true
}
