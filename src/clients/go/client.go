package graphgrpc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	pb "graphgrpc/v1"
)

// Client calls a GraphGrpc server's graphgrpc.v1.GraphEvaluator service.
type Client struct {
	conn *grpc.ClientConn
	stub pb.GraphEvaluatorClient
}

type dialConfig struct {
	tls         bool
	roots       *x509.CertPool
	token       string
	extra       []grpc.DialOption
	insecure    bool
	maxAttempts int
}

// DialOption configures Dial.
type DialOption func(*dialConfig)

// WithTLS connects over TLS, trusting the given roots, or the system's when roots is nil.
func WithTLS(roots *x509.CertPool) DialOption {
	return func(c *dialConfig) { c.tls, c.roots = true, roots }
}

// WithToken sends "authorization: Bearer <token>" with every call. It needs TLS, so that the
// token never crosses the network in plain text.
func WithToken(token string) DialOption {
	return func(c *dialConfig) { c.token = token }
}

// WithGRPCOptions adds grpc-go dial options, for what this package does not cover (interceptors,
// message size limits, keepalive).
func WithGRPCOptions(options ...grpc.DialOption) DialOption {
	return func(c *dialConfig) { c.extra = append(c.extra, options...) }
}

// Dial connects to a server at "host:port" ("127.0.0.1:50051"), in plain text unless WithTLS is
// given. An "http://" or "https://" prefix, as the graphgrpc CLI takes, chooses plain text or TLS;
// "unix:/path/to.sock" reaches a server on the same host over its Unix domain socket.
// Like grpc.Dial it does not wait for the connection: a server that is not there fails the first call.
func Dial(address string, options ...DialOption) (*Client, error) {
	config := dialConfig{maxAttempts: DefaultMaxAttempts}
	switch {
	case strings.HasPrefix(address, "https://"):
		address, config.tls = strings.TrimPrefix(address, "https://"), true
	case strings.HasPrefix(address, "http://"):
		address, config.insecure = strings.TrimPrefix(address, "http://"), true
	case strings.HasPrefix(address, "unix:"):
		// A server on the same host (a sidecar): grpc-go 1.33 has no unix: resolver, so dial the socket directly.
		path := strings.TrimPrefix(strings.TrimPrefix(address, "unix:"), "//")
		address, config.insecure = "unix-socket", true
		config.extra = append(config.extra, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}))
	}
	for _, option := range options {
		option(&config)
	}
	if config.insecure && config.tls {
		return nil, fmt.Errorf("graphgrpc: %q is a plain-text (http://) address but TLS was asked for", address)
	}
	if config.token != "" && !config.tls {
		return nil, fmt.Errorf("graphgrpc: a bearer token needs TLS (WithTLS or an https:// address), so that it is not sent in plain text")
	}
	var dialOptions []grpc.DialOption
	if config.tls {
		dialOptions = append(dialOptions, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: config.roots, MinVersion: tls.VersionTLS12})))
	} else {
		dialOptions = append(dialOptions, grpc.WithInsecure())
	}
	if config.token != "" {
		dialOptions = append(dialOptions, grpc.WithPerRPCCredentials(bearerToken(config.token)))
	}
	if config.maxAttempts < 1 {
		return nil, fmt.Errorf("graphgrpc: WithMaxAttempts needs at least 1 attempt, not %d", config.maxAttempts)
	}
	if config.maxAttempts > 1 {
		dialOptions = append(dialOptions, grpc.WithChainUnaryInterceptor(retryOverloaded(config.maxAttempts)))
	}
	conn, err := grpc.Dial(address, append(dialOptions, config.extra...)...)
	if err != nil {
		return nil, fmt.Errorf("graphgrpc: dialing %s: %w", address, err)
	}
	return &Client{conn: conn, stub: pb.NewGraphEvaluatorClient(conn)}, nil
}

// bearerToken is per-RPC credentials: the token in the authorization metadata of each call.
type bearerToken string

func (t bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(t)}, nil
}

func (bearerToken) RequireTransportSecurity() bool { return true }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Stub is the generated client, for calls this package does not wrap.
func (c *Client) Stub() pb.GraphEvaluatorClient { return c.stub }

// Option chooses what a call computes and returns. Each call names the options it rejects.
type Option func(*options)

type options struct {
	outputs         []string
	wrt             []string
	seeds           map[string]Tensor
	values          *pb.NodeSelection
	gradients       *pb.NodeSelection
	trace           bool
	raw             bool
	chunkSize       int
	sharedGradients pb.SharedGradients
	// Forward mode and Differentiate (autodiff.go).
	tangents       map[string]Tensor
	tangentColumns map[string][]float64
	forwardOnly    bool
	seedsAsInputs  bool
	// set names the options given, so that a call can refuse the ones it does not take.
	set []string
}

func ids(nodes []NodeRef) []string {
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID()
	}
	return ids
}

// Outputs are where backward starts, each seeded with ones; by default the graph's one sink.
func Outputs(nodes ...NodeRef) Option {
	return func(o *options) { o.outputs = append(o.outputs, ids(nodes)...) }
}

// Wrt are the nodes to differentiate with respect to; by default every input leaf.
func Wrt(nodes ...NodeRef) Option {
	return func(o *options) { o.wrt = append(o.wrt, ids(nodes)...) }
}

// Seed starts backward at output with the given tensor instead of ones: a vector-Jacobian product.
func Seed(output NodeRef, seed Tensor) Option {
	return func(o *options) {
		if o.seeds == nil {
			o.seeds = map[string]Tensor{}
		}
		o.seeds[output.ID()] = seed
		o.set = append(o.set, "Seed")
	}
}

// Values sends only the values of the given nodes (none, when no node is given).
func Values(nodes ...NodeRef) Option {
	return func(o *options) {
		o.values = listed(nodes)
		o.set = append(o.set, "Values")
	}
}

// Gradients sends only the gradients of the given nodes (none, when no node is given).
func Gradients(nodes ...NodeRef) Option {
	return func(o *options) {
		o.gradients = listed(nodes)
		o.set = append(o.set, "Gradients")
	}
}

func listed(nodes []NodeRef) *pb.NodeSelection {
	if len(nodes) == 0 {
		return &pb.NodeSelection{Mode: pb.NodeSelection_MODE_NONE}
	}
	return &pb.NodeSelection{Mode: pb.NodeSelection_MODE_LISTED, NodeIds: ids(nodes)}
}

// Trace asks for one trace event per node: its timings, shapes and what it cached.
func Trace() Option {
	return func(o *options) {
		o.trace = true
		o.set = append(o.set, "Trace")
	}
}

// RawTensors has the server send tensors as little-endian float64 bytes rather than packed
// doubles; the results are the same.
func RawTensors() Option {
	return func(o *options) {
		o.raw = true
		o.set = append(o.set, "RawTensors")
	}
}

// ChunkSize is how many points EvaluateBatch sends per message (DefaultChunkSize otherwise).
func ChunkSize(points int) Option {
	return func(o *options) {
		o.chunkSize = points
		o.set = append(o.set, "ChunkSize")
	}
}

// What EvaluateBatch gives for a node shared by all points (SharedGradients).
const (
	// SharedGradientsSum is one gradient summed over the points: the gradient of a summed loss.
	SharedGradientsSum = pb.SharedGradients_SHARED_GRADIENTS_SUM
	// SharedGradientsPerPoint is one gradient per point, as for a batch input.
	SharedGradientsPerPoint = pb.SharedGradients_SHARED_GRADIENTS_PER_POINT
)

// SharedGradients chooses what EvaluateBatch gives for the gradient of a node that does not vary
// from point to point; SharedGradientsSum by default.
func SharedGradients(mode pb.SharedGradients) Option {
	return func(o *options) {
		o.sharedGradients = mode
		o.set = append(o.set, "SharedGradients")
	}
}

// collect applies the options and fails on one the call does not take.
func collect(call string, given []Option, accepted ...string) (*options, error) {
	o := &options{}
	for _, option := range given {
		option(o)
	}
	for _, name := range o.set {
		ok := false
		for _, a := range accepted {
			ok = ok || a == name
		}
		if !ok {
			return nil, fmt.Errorf("graphgrpc: %s does not take the option %s", call, name)
		}
	}
	return o, nil
}

// Validate checks a graph, and the outputs and wrt nodes when given, and returns its node ids in
// topological order. For an invalid graph it returns a *GraphError with every problem.
func (c *Client) Validate(ctx context.Context, graph Source, opts ...Option) ([]string, error) {
	o, err := collect("Validate", opts)
	if err != nil {
		return nil, err
	}
	response, err := c.stub.Validate(ctx, &pb.ValidateRequest{Graph: graph.Proto(), Outputs: o.outputs, Wrt: o.wrt})
	if err != nil {
		return nil, decodeError(err)
	}
	if !response.Valid {
		return nil, invalidGraph(response.Problems)
	}
	return response.Order, nil
}

// invalidGraph is the error for a Validate response that lists problems: the same as the
// INVALID_ARGUMENT status Evaluate would fail with.
func invalidGraph(problems []*pb.Problem) error {
	const message = "the graph is invalid"
	st, err := status.New(codes.InvalidArgument, message).WithDetails(&pb.ValidationFailure{Problems: problems})
	if err != nil {
		st = status.New(codes.InvalidArgument, message)
	}
	return &GraphError{Code: codes.InvalidArgument, Message: message, Problems: problemsFromProto(problems), Status: st}
}

func (o *options) evaluateRequest(graph Source) *pb.EvaluateRequest {
	request := &pb.EvaluateRequest{
		Graph: graph.Proto(), Outputs: o.outputs, Wrt: o.wrt,
		Values: o.values, Gradients: o.gradients, Trace: o.trace, RawTensors: o.raw,
	}
	if len(o.seeds) > 0 {
		request.Seeds = map[string]*pb.Tensor{}
		for id, seed := range o.seeds {
			request.Seeds[id] = seed.toProto(false)
		}
	}
	if len(o.tangents) > 0 {
		request.Tangents = map[string]*pb.Tensor{}
		for id, tangent := range o.tangents {
			request.Tangents[id] = tangent.toProto(false)
		}
	}
	return request
}

// Result is one evaluation: node values and gradients keyed by node id.
type Result struct {
	Values    map[string]Tensor
	Gradients map[string]Tensor
	// Tangents are the nodes' tangents (forward mode), for the nodes whose values were sent, when
	// the Tangent option was given.
	Tangents map[string]Tensor
	// Trace has one event per node when the Trace option was given.
	Trace   []*pb.TraceEvent
	Summary *pb.EvaluationSummary
}

// Value is the node's value; a zero Tensor when the server did not send it.
func (r *Result) Value(node NodeRef) Tensor { return r.Values[node.ID()] }

// Gradient is the gradient of the outputs with respect to the node; a zero Tensor when there is none.
func (r *Result) Gradient(node NodeRef) Tensor { return r.Gradients[node.ID()] }

// Evaluate runs the forward and backward passes in one call and returns every value and gradient.
// An invalid graph fails with a *GraphError.
func (c *Client) Evaluate(ctx context.Context, graph Source, opts ...Option) (*Result, error) {
	o, err := collect("Evaluate", opts, "Seed", "Values", "Gradients", "Trace", "RawTensors", "Tangent")
	if err != nil {
		return nil, err
	}
	response, err := c.stub.EvaluateUnary(ctx, o.evaluateRequest(graph))
	if err != nil {
		return nil, decodeError(err)
	}
	result := &Result{Values: map[string]Tensor{}, Gradients: map[string]Tensor{}, Tangents: map[string]Tensor{}, Trace: response.Trace, Summary: response.Summary}
	for _, v := range response.Tangents {
		if result.Tangents[v.NodeId], err = tensorFromProto(v.Tangent); err != nil {
			return nil, fmt.Errorf("the tangent of node %q: %w", v.NodeId, err)
		}
	}
	for _, v := range response.Values {
		if result.Values[v.NodeId], err = tensorFromProto(v.Value); err != nil {
			return nil, fmt.Errorf("the value of node %q: %w", v.NodeId, err)
		}
	}
	for _, g := range response.Gradients {
		if result.Gradients[g.NodeId], err = tensorFromProto(g.Gradient); err != nil {
			return nil, fmt.Errorf("the gradient of node %q: %w", g.NodeId, err)
		}
	}
	return result, nil
}

// Explain explains the gradient of output with respect to wrt as a sum over the paths between
// them: the topK paths of largest contribution (0 for the server's default of 10), the exact path
// count as a decimal string, the remainder that closes the sum, the fork/join blocks and each
// edge's local gradient. An invalid request is a *GraphError listing every problem.
func (c *Client) Explain(ctx context.Context, graph Source, output, wrt NodeRef, topK int32) (*pb.ExplainResponse, error) {
	response, err := c.stub.Explain(ctx, &pb.ExplainRequest{Graph: graph.Proto(), Output: output.ID(), Wrt: wrt.ID(), TopK: topK})
	if err != nil {
		return nil, decodeError(err)
	}
	return response, nil
}
