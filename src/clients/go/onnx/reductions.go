package onnx

import (
	"github.com/golang/protobuf/ptypes/wrappers"

	pb "graphgrpc/v1"
)

// ReduceSum and ReduceMean, and Softmax and LogSoftmax, which normalise along one axis.

func reduceOp(mean bool) converter {
	return func(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
		axes := attributes.ints("axes")
		if axes == nil && len(node.GetInput()) > 1 && node.GetInput()[1] != "" {
			// From opset 13 (ReduceSum) and 18 (ReduceMean) the axes come as an operand.
			known, ok := m.knownValue(node.GetInput()[1])
			if !ok {
				return "", unsupportedOperand("axes computed at run time ('%s')", node.GetInput()[1])
			}
			for _, a := range known.Data {
				axes = append(axes, int64(a))
			}
		}
		ids, err := operands(m, node, 1)
		if err != nil {
			return "", err
		}
		if len(axes) == 0 && attributes.int("noop_with_empty_axes", 0) != 0 {
			return copyOf(m, ids[0], output)
		}
		var axes32 []int32
		for _, a := range axes {
			axes32 = append(axes32, int32(a))
		}
		keepDims := attributes.int("keepdims", 1) != 0
		reduction := &pb.Node{Op: &pb.Node_Sum{Sum: &pb.Sum{Axes: axes32, KeepDims: keepDims}}}
		if mean {
			reduction = &pb.Node{Op: &pb.Node_Mean{Mean: &pb.Mean{Axes: axes32, KeepDims: keepDims}}}
		}
		return m.graph.op(reduction, output, ids...)
	}
}

func softmaxOp(log bool) converter {
	return func(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
		shape, err := m.shape(node.GetInput()[0])
		if err != nil {
			return "", err
		}
		rank := int64(len(shape))
		var axis int64
		if m.opset < 13 {
			// Before opset 13 softmax flattened the axes from `axis` on; that is ours only over the last axis.
			given := attributes.int("axis", 1)
			modulus := rank
			if modulus < 1 {
				modulus = 1
			}
			axis = ((given % modulus) + modulus) % modulus
			if axis != rank-1 {
				return "", unsupportedOperand("axis=%d of a rank-%d input before opset 13 (only the last axis)", given, rank)
			}
		} else {
			axis = attributes.int("axis", -1)
		}
		ids, err := operands(m, node, 1)
		if err != nil {
			return "", err
		}
		value := &wrappers.Int32Value{Value: int32(axis)}
		softmax := &pb.Node{Op: &pb.Node_Softmax{Softmax: &pb.Softmax{Axis: value}}}
		if log {
			softmax = &pb.Node{Op: &pb.Node_LogSoftmax{LogSoftmax: &pb.LogSoftmax{Axis: value}}}
		}
		return m.graph.op(softmax, output, ids...)
	}
}
