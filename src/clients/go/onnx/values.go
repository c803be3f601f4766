package onnx

import (
	"graphgrpc"
)

// Identity, Cast (every value is float64 here) and Constant, whose value is known before run time.

// identityOp gives a graph output a node of its own name; elsewhere the input itself serves.
func identityOp(m *importer, output string, node *NodeProto, _ attributes) (string, error) {
	ids, err := operands(m, node, 1)
	if err != nil {
		return "", err
	}
	if m.outputs[output] {
		return copyOf(m, ids[0], output)
	}
	return ids[0], nil
}

// castOp is the identity: every value is float64 here.
func castOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	to := int32(attributes.int("to", 0))
	if !floatingTypes[to] {
		return "", unsupportedOperand("to=%s (only floating types)", typeName(to))
	}
	return identityOp(m, output, node, attributes)
}

// constantOp records the value, known from here on; it becomes a leaf only where an op takes it as an operand.
func constantOp(m *importer, output string, node *NodeProto, attributes attributes) (string, error) {
	if len(attributes) != 1 {
		return "", unsupportedOperand("%d attributes; a Constant has one of value, value_float, value_floats, value_int, value_ints", len(attributes))
	}
	for _, a := range attributes {
		var value graphgrpc.Tensor
		switch a.GetType() {
		case AttributeProto_TENSOR:
			t, err := toTensor(a.GetT(), m.options.ExternalDataDirectory)
			if err != nil {
				return "", err
			}
			value = t
		case AttributeProto_FLOAT:
			value = graphgrpc.Scalar(float64(a.GetF()))
		case AttributeProto_INT:
			value = graphgrpc.Scalar(float64(a.GetI()))
		case AttributeProto_FLOATS:
			value = graphgrpc.NewTensor(convert(a.GetFloats(), func(f float32) float64 { return float64(f) }), int64(len(a.GetFloats())))
		case AttributeProto_INTS:
			value = graphgrpc.NewTensor(convert(a.GetInts(), func(i int64) float64 { return float64(i) }), int64(len(a.GetInts())))
		default:
			return "", unsupportedOperand("a %s value", a.GetType())
		}
		m.define(output, value)
	}
	return "", nil
}

// copyOf is the input under a new id: x * 1, as the Python importer spells a copy.
func copyOf(m *importer, input, output string) (string, error) {
	return scale(m, input, 1, output)
}
