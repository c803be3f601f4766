package onnx

import (
	pb "graphgrpc/v1"
)

// Transpose, Reshape and Flatten: the same data with its axes permuted or regrouped.

func transposeOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	ids, err := operands(m, node, 1)
	if err != nil {
		return "", err
	}
	var perm []int32
	for _, p := range attributes.ints("perm") {
		perm = append(perm, int32(p))
	}
	return m.graph.op(&pb.Node{Op: &pb.Node_Transpose{Transpose: &pb.Transpose{Perm: perm}}}, output, ids...)
}

func reshapeOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	shapeName := ""
	if len(node.GetInput()) > 1 {
		shapeName = node.GetInput()[1]
	}
	known, ok := m.knownValue(shapeName)
	if !ok {
		return "", unsupportedOperand("a shape computed at run time ('%s'); it must be a constant or an initializer", shapeName)
	}
	shape := make([]int64, len(known.Data))
	hasZero := false
	for i, s := range known.Data {
		shape[i] = int64(s)
		hasZero = hasZero || shape[i] == 0
	}
	if attributes.int("allowzero", 0) == 0 && hasZero {
		// ONNX: a 0 copies the input's dimension there.
		inputShape, err := m.shape(node.GetInput()[0])
		if err != nil {
			return "", err
		}
		for i, s := range shape {
			if s == 0 && i < len(inputShape) {
				shape[i] = inputShape[i]
			}
		}
	}
	return reshapeTo(m, output, node, shape)
}

func flattenOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	shape, err := m.shape(node.GetInput()[0])
	if err != nil {
		return "", err
	}
	axis := int(attributes.int("axis", 1))
	if axis < 0 {
		axis += len(shape)
	}
	if axis > len(shape) {
		axis = len(shape)
	}
	return reshapeTo(m, output, node, []int64{product(shape[:axis]), product(shape[axis:])})
}

func reshapeTo(m *importer, output string, node *NodeProto, shape []int64) (string, error) {
	ids, err := operands(m, node, 1)
	if err != nil {
		return "", err
	}
	return m.graph.op(&pb.Node{Op: &pb.Node_Reshape{Reshape: &pb.Reshape{Shape: shape}}}, output, ids...)
}
