// Command seed003 evaluates seed 003's squared-error loss L = (x·w + b − y)² at x = 2, w = 3,
// b = 1, y = 5 on a GraphGrpc server and prints L and its gradient with respect to each input.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"graphgrpc"
)

func main() {
	server := flag.String("server", "127.0.0.1:50051", "the server's address, host:port")
	timeout := flag.Duration("timeout", 10*time.Second, "how long to wait for the server")
	flag.Parse()
	if err := run(*server, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "seed003:", err)
		os.Exit(1)
	}
}

func run(server string, timeout time.Duration) error {
	client, err := graphgrpc.Dial(server)
	if err != nil {
		return err
	}
	defer client.Close()

	g := graphgrpc.NewGraph()
	x, w, b, y := g.Input("x", 2), g.Input("w", 3), g.Input("b", 1), g.Input("y", 5)
	loss := g.Square(g.Sub(g.Add(g.Mul(x, w), b), y)).Named("L")

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	result, err := client.Evaluate(ctx, g, graphgrpc.Wrt(x, w, b, y))
	if err != nil {
		return err
	}
	fmt.Printf("L = %v\n", result.Value(loss).Data[0])
	for _, input := range []*graphgrpc.Node{x, w, b, y} {
		fmt.Printf("dL/d%s = %v\n", input.ID(), result.Gradient(input).Data[0])
	}
	return nil
}
