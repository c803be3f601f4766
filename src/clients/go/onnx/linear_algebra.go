package onnx

import (
	pb "graphgrpc/v1"
)

// gemmOp spells alpha·A'·B' + beta·C in graphgrpc's ops; the last op made is named after the output.
func gemmOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	ab, err := operands(m, node, 2)
	if err != nil {
		return "", err
	}
	c, err := m.operand(node, 2)
	if err != nil {
		return "", err
	}
	a, b := ab[0], ab[1]
	alpha, beta := attributes.float("alpha", 1), attributes.float("beta", 1)
	transpose := func() *pb.Node { return &pb.Node{Op: &pb.Node_Transpose{Transpose: &pb.Transpose{}}} }
	if attributes.int("transA", 0) != 0 {
		if a, err = m.graph.op(transpose(), output+".A_T", a); err != nil {
			return "", err
		}
	}
	if attributes.int("transB", 0) != 0 {
		if b, err = m.graph.op(transpose(), output+".B_T", b); err != nil {
			return "", err
		}
	}
	scaled := alpha != 1
	id := output + ".matmul"
	if c == "" && !scaled {
		id = output
	}
	product, err := m.graph.op(matmulNode(), id, a, b)
	if err != nil {
		return "", err
	}
	if scaled {
		if product, err = scale(m, product, alpha, map[bool]string{true: output, false: output + ".alpha"}[c == ""]); err != nil {
			return "", err
		}
	}
	if c == "" {
		return product, nil
	}
	if beta != 1 {
		if c, err = scale(m, c, beta, output+".beta"); err != nil {
			return "", err
		}
	}
	return m.graph.op(&pb.Node{Op: &pb.Node_Add{Add: &pb.Add{}}}, output, product, c)
}

// scale is x times a number, the number a made-up constant.
func scale(m *importer, x string, factor float64, id string) (string, error) {
	number, err := m.graph.number(factor)
	if err != nil {
		return "", err
	}
	return m.graph.op(mulNode(), id, x, number)
}
