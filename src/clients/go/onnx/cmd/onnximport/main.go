// Command onnximport writes an ONNX model as a graph file, as `graphgrpc import` and
// `python3 -m graphgrpc import` do:
//
//	onnximport -o graph.json [-trainable NAME,NAME|all] [-shape INPUT=D1,D2,...] model.onnx
//
// An unsupported model prints the reason and exits with 1.
package main

import (
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"strconv"
	"strings"

	"github.com/golang/protobuf/jsonpb"

	"graphgrpc"
	"graphgrpc/onnx"
)

// shapes collects repeated -shape flags.
type shapes map[string]graphgrpc.Tensor

func (s shapes) String() string { return "" }

func (s shapes) Set(text string) error {
	name, dims, found := strings.Cut(text, "=")
	if !found || name == "" {
		return fmt.Errorf("-shape takes INPUT=D1,D2,..., not '%s'", text)
	}
	shape := []int64{}
	if dims != "" {
		for _, d := range strings.Split(dims, ",") {
			size, err := strconv.ParseInt(d, 10, 64)
			if err != nil || size < 0 {
				return fmt.Errorf("-shape takes INPUT=D1,D2,... with whole numbers, not '%s'", text)
			}
			shape = append(shape, size)
		}
	}
	count := int64(1)
	for _, d := range shape {
		count *= d
	}
	s[name] = graphgrpc.Tensor{Shape: shape, Data: make([]float64, count)}
	return nil
}

func main() {
	output := flag.String("o", "", "the graph file to write (JSON)")
	trainable := flag.String("trainable", "", "initializers to make input leaves, comma-separated; 'all' for every floating-point one")
	inputs := shapes{}
	flag.Var(inputs, "shape", "INPUT=D1,D2,...: the shape of an input whose dimensions the model leaves symbolic (its value is zeros); repeat for several")
	flag.Parse()
	if flag.NArg() != 1 || *output == "" {
		fmt.Fprintln(os.Stderr, "usage: onnximport -o graph.json [-trainable NAME,...|all] [-shape INPUT=D1,D2,...] model.onnx")
		os.Exit(2)
	}
	options := onnx.Options{Inputs: inputs, AllTrainable: *trainable == "all"}
	if *trainable != "" && *trainable != "all" {
		options.Trainable = strings.Split(*trainable, ",")
	}
	model := flag.Arg(0)
	graph, err := onnx.FromFile(model, options)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onnximport: %s: %v\n", model, err)
		os.Exit(1)
	}
	text, err := (&jsonpb.Marshaler{Indent: "  ", OrigName: true}).MarshalToString(graph)
	if err == nil {
		err = ioutil.WriteFile(*output, []byte(text+"\n"), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "onnximport: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d nodes\n", *output, len(graph.GetNodes()))
}
