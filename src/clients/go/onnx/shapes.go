package onnx

import (
	pb "graphgrpc/v1"
)

// inferShape is the shape of an op node's output from its operands' shapes, by the server's shape
// rules for the ops the importer makes; nil when an operand's shape is unknown or they do not fit.
func inferShape(node *pb.Node, operands [][]int64) []int64 {
	for _, shape := range operands {
		if shape == nil {
			return nil
		}
	}
	switch op := node.Op.(type) {
	case *pb.Node_Add, *pb.Node_Sub, *pb.Node_Mul, *pb.Node_Div, *pb.Node_Maximum, *pb.Node_Minimum:
		return broadcast(operands[0], operands[1])
	case *pb.Node_Pow:
		if len(operands) == 2 {
			return broadcast(operands[0], operands[1])
		}
		return operands[0]
	case *pb.Node_Neg, *pb.Node_Exp, *pb.Node_Log, *pb.Node_Sqrt, *pb.Node_Abs, *pb.Node_Sin, *pb.Node_Cos,
		*pb.Node_Tanh, *pb.Node_Sigmoid, *pb.Node_Relu, *pb.Node_Softmax, *pb.Node_LogSoftmax:
		return operands[0]
	case *pb.Node_Matmul:
		return matmul(operands[0], operands[1])
	case *pb.Node_Transpose:
		return transpose(operands[0], op.Transpose.GetPerm())
	case *pb.Node_Reshape:
		return reshape(operands[0], op.Reshape.GetShape())
	case *pb.Node_Sum:
		return reduce(operands[0], op.Sum.GetAxes(), op.Sum.GetKeepDims())
	case *pb.Node_Mean:
		return reduce(operands[0], op.Mean.GetAxes(), op.Mean.GetKeepDims())
	}
	return nil
}

// broadcast is numpy's: shapes align at their last axes, and a 1 stretches.
func broadcast(a, b []int64) []int64 {
	if len(a) < len(b) {
		a, b = b, a
	}
	shape := append([]int64{}, a...)
	for i := 1; i <= len(b); i++ {
		x, y := a[len(a)-i], b[len(b)-i]
		switch {
		case x == y || y == 1:
		case x == 1:
			shape[len(a)-i] = y
		default:
			return nil
		}
	}
	return shape
}

// matmul takes matrices and vectors: a vector is a row on the left and a column on the right, and is dropped.
func matmul(a, b []int64) []int64 {
	if len(a) == 0 || len(b) == 0 || len(a) > 2 || len(b) > 2 || a[len(a)-1] != b[0] {
		return nil
	}
	shape := []int64{}
	if len(a) == 2 {
		shape = append(shape, a[0])
	}
	if len(b) == 2 {
		shape = append(shape, b[1])
	}
	return shape
}

// transpose permutes the axes; an empty perm reverses them.
func transpose(shape []int64, perm []int32) []int64 {
	result := make([]int64, len(shape))
	if len(perm) == 0 {
		for i := range shape {
			result[i] = shape[len(shape)-1-i]
		}
		return result
	}
	if len(perm) != len(shape) {
		return nil
	}
	seen := make([]bool, len(shape))
	for i, p := range perm {
		if p < 0 {
			p += int32(len(shape))
		}
		if p < 0 || int(p) >= len(shape) || seen[p] {
			return nil
		}
		seen[p] = true
		result[i] = shape[p]
	}
	return result
}

// reshape keeps the element count; one -1 takes what the others leave.
func reshape(shape []int64, to []int64) []int64 {
	count := product(shape)
	result := append([]int64{}, to...)
	known, unknown := int64(1), -1
	for i, d := range to {
		switch {
		case d == -1 && unknown < 0:
			unknown = i
		case d < 0:
			return nil
		default:
			known *= d
		}
	}
	if unknown >= 0 {
		if known == 0 || count%known != 0 {
			return nil
		}
		result[unknown] = count / known
	} else if known != count {
		return nil
	}
	return result
}

// reduce drops the axes (all when empty), or keeps them as ones.
func reduce(shape []int64, axes []int32, keepDims bool) []int64 {
	reduced := make([]bool, len(shape))
	for _, axis := range axes {
		if axis < 0 {
			axis += int32(len(shape))
		}
		if axis < 0 || int(axis) >= len(shape) {
			return nil
		}
		reduced[axis] = true
	}
	result := []int64{}
	for i, d := range shape {
		switch {
		case len(axes) > 0 && !reduced[i]:
			result = append(result, d)
		case keepDims:
			result = append(result, 1)
		}
	}
	return result
}

func product(dims []int64) int64 {
	p := int64(1)
	for _, d := range dims {
		p *= d
	}
	return p
}
