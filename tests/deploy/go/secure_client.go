// Command secure_client runs GraphEvaluator over TLS with a bearer token, with grpc-go, against
// 127.0.0.1:PORT: seed 003 with the CA as the only trusted root and the token as per-RPC
// credentials, the same call without a token (UNAUTHENTICATED), and health without a token
// (SERVING). It prints "PASS name" or "FAIL name: reason" per case and exits 1 if any failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golang/protobuf/jsonpb"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/oauth"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	pb "graphgrpc/v1"
)

func seed003(repoRoot string) (*pb.EvaluateRequest, error) {
	file, err := os.Open(filepath.Join(repoRoot, "src/GraphGrpc.Cli/examples/seed003-squared-error.json"))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	graph := &pb.Graph{}
	if err := jsonpb.Unmarshal(file, graph); err != nil {
		return nil, err
	}
	return &pb.EvaluateRequest{Graph: graph}, nil
}

func dial(target string, tls credentials.TransportCredentials, token string) (*grpc.ClientConn, error) {
	options := []grpc.DialOption{grpc.WithTransportCredentials(tls)}
	if token != "" {
		// Sends authorization: Bearer <token>; grpc-go allows it only over a secure transport.
		options = append(options, grpc.WithPerRPCCredentials(oauth.NewOauthAccess(&oauth2.Token{AccessToken: token})))
	}
	return grpc.Dial(target, options...)
}

func main() {
	port := flag.Int("server_port", 0, "the server's port on 127.0.0.1")
	ca := flag.String("ca", "", "the PEM file of the CA that signed the server's certificate")
	token := flag.String("token", "", "an accepted bearer token")
	repoRoot := flag.String("repo_root", "", "the repository root")
	flag.Parse()
	target := fmt.Sprintf("127.0.0.1:%d", *port)
	tls, err := credentials.NewClientTLSFromFile(*ca, "")
	if err != nil {
		fmt.Println("FAIL setup:", err)
		os.Exit(1)
	}
	request, err := seed003(*repoRoot)
	if err != nil {
		fmt.Println("FAIL setup:", err)
		os.Exit(1)
	}

	cases := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"evaluate_with_token", func(ctx context.Context) error {
			conn, err := dial(target, tls, *token)
			if err != nil {
				return err
			}
			defer conn.Close()
			response, err := pb.NewGraphEvaluatorClient(conn).EvaluateUnary(ctx, request)
			if err != nil {
				return err
			}
			for _, value := range response.Values {
				if value.NodeId == "L" && len(value.Value.Values) == 1 && value.Value.Values[0] == 4 {
					return nil
				}
			}
			return fmt.Errorf("L is not 4 in %v", response.Values)
		}},
		{"missing_token", func(ctx context.Context) error {
			conn, err := dial(target, tls, "")
			if err != nil {
				return err
			}
			defer conn.Close()
			_, err = pb.NewGraphEvaluatorClient(conn).EvaluateUnary(ctx, request)
			if status.Code(err) != codes.Unauthenticated {
				return fmt.Errorf("expected UNAUTHENTICATED, got %v", err)
			}
			return nil
		}},
		{"health_without_token", func(ctx context.Context) error {
			conn, err := dial(target, tls, "")
			if err != nil {
				return err
			}
			defer conn.Close()
			response, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
			if err != nil {
				return err
			}
			if response.Status != healthpb.HealthCheckResponse_SERVING {
				return fmt.Errorf("health is %v", response.Status)
			}
			return nil
		}},
	}
	failed := false
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := c.run(ctx); err != nil {
			failed = true
			fmt.Printf("FAIL %s: %v\n", c.name, err)
		} else {
			fmt.Printf("PASS %s\n", c.name)
		}
		cancel()
	}
	if failed {
		os.Exit(1)
	}
}
