package onnx

import (
	"fmt"

	"github.com/golang/protobuf/ptypes/wrappers"

	pb "graphgrpc/v1"
)

// The elementwise ops, which broadcast as graphgrpc's do, and MatMul, which takes its operands the same way.

func binaryOp(op func() *pb.Node) converter {
	return func(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
		ids, err := operands(m, node, 2)
		if err != nil {
			return "", err
		}
		return m.graph.op(op(), output, ids...)
	}
}

func unaryOp(op func() *pb.Node) converter {
	return func(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
		ids, err := operands(m, node, 1)
		if err != nil {
			return "", err
		}
		return m.graph.op(op(), output, ids...)
	}
}

// variadicOp chains Max and Min over any number of operands, the last op named after the output.
func variadicOp(op func() *pb.Node) converter {
	return func(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
		ids, err := operands(m, node, len(node.GetInput()))
		if err != nil {
			return "", err
		}
		if len(ids) == 0 {
			return "", unsupportedOperand("no inputs")
		}
		if len(ids) == 1 {
			return copyOf(m, ids[0], output)
		}
		result := ids[0]
		for i := 1; i < len(ids); i++ {
			id := output
			if i < len(ids)-1 {
				id = fmt.Sprintf("%s.%d", output, i)
			}
			if result, err = m.graph.op(op(), id, result, ids[i]); err != nil {
				return "", err
			}
		}
		return result, nil
	}
}

func powOp(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
	if len(node.GetInput()) > 1 {
		if exponent, ok := m.knownValue(node.GetInput()[1]); ok && len(exponent.Shape) == 0 {
			// A constant scalar exponent is an attribute, as torch's x ** 2 is: no gradient flows to it.
			base, err := m.required(node, 0)
			if err != nil {
				return "", err
			}
			pow := &pb.Pow{Exponent: &wrappers.DoubleValue{Value: exponent.Data[0]}}
			return m.graph.op(&pb.Node{Op: &pb.Node_Pow{Pow: pow}}, output, base)
		}
	}
	ids, err := operands(m, node, 2)
	if err != nil {
		return "", err
	}
	return m.graph.op(&pb.Node{Op: &pb.Node_Pow{Pow: &pb.Pow{}}}, output, ids...)
}
