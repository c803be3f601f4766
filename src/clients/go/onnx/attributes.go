package onnx

// attributes are a node's attributes by name, read as onnx.helper.get_attribute_value reads them.
type attributes map[string]*AttributeProto

func attributesOf(node *NodeProto) attributes {
	byName := attributes{}
	for _, a := range node.GetAttribute() {
		byName[a.GetName()] = a
	}
	return byName
}

// float is a FLOAT attribute (an INT one read as a number), or otherwise when the node has none.
func (a attributes) float(name string, otherwise float64) float64 {
	attribute, ok := a[name]
	if !ok {
		return otherwise
	}
	if attribute.GetType() == AttributeProto_INT {
		return float64(attribute.GetI())
	}
	return float64(attribute.GetF())
}

func (a attributes) int(name string, otherwise int64) int64 {
	if attribute, ok := a[name]; ok {
		return attribute.GetI()
	}
	return otherwise
}

// ints is an INTS attribute, or nil when the node has none.
func (a attributes) ints(name string) []int64 {
	if attribute, ok := a[name]; ok {
		return append([]int64{}, attribute.GetInts()...)
	}
	return nil
}
