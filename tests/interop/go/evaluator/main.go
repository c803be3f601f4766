// Command evaluatorclient calls graphgrpc.v1.GraphEvaluator with grpc-go on 127.0.0.1:PORT, case by
// case. It prints "PASS name" or "FAIL name: reason" per case and exits 1 if any case failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	pb "graphgrpc/v1"
)

const caseTimeLimit = 60 * time.Second

func main() {
	port := flag.Int("server_port", 0, "the server's port on 127.0.0.1")
	repoRoot := flag.String("repo_root", ".", "the repository root, for the seed example files")
	testCases := flag.String("test_cases", "", "comma-separated case names")
	flag.Parse()
	conn, err := grpc.Dial(fmt.Sprintf("127.0.0.1:%d", *port), grpc.WithInsecure(), grpc.WithBlock(), grpc.WithTimeout(10*time.Second))
	if err != nil {
		fmt.Printf("FAIL connect: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	c := &cases{repoRoot: *repoRoot, evaluator: pb.NewGraphEvaluatorClient(conn), health: healthpb.NewHealthClient(conn)}
	failed := false
	for _, name := range strings.Split(*testCases, ",") {
		if err := c.run(name); err != nil {
			failed = true
			fmt.Printf("FAIL %s: %v\n", name, err)
		} else {
			fmt.Printf("PASS %s\n", name)
		}
	}
	if failed {
		os.Exit(1)
	}
}

func (c *cases) run(name string) error {
	run, ok := c.byName()[name]
	if !ok {
		return fmt.Errorf("unknown case %s", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), caseTimeLimit)
	defer cancel()
	return run(ctx)
}
