package onnx

import (
	"fmt"
	"sort"
	"strings"

	"graphgrpc"
	pb "graphgrpc/v1"
)

// importer walks an ONNX graph's nodes, which ONNX keeps in topological order, and adds their ops to
// a graph through the ops table. It keeps what the converters ask about: the node holding each ONNX
// value, the values known before run time (initializers, Constants) and every value's shape.
type importer struct {
	graph        *assembler
	onnx         *GraphProto
	options      Options
	opset        int64
	outputs      map[string]bool
	initializers map[string]bool
	trainable    map[string]bool
	results      map[string]string
	known        map[string]graphgrpc.Tensor
	shapes       map[string][]int64
}

func newImporter(model *ModelProto, options Options) (*importer, error) {
	if model.GetGraph() == nil {
		return nil, &UnsupportedError{"the model has no graph"}
	}
	m := &importer{
		graph: newAssembler(), onnx: model.GetGraph(), options: options, opset: 1,
		outputs: map[string]bool{}, initializers: map[string]bool{}, trainable: map[string]bool{},
		results: map[string]string{}, known: map[string]graphgrpc.Tensor{}, shapes: map[string][]int64{},
	}
	for _, o := range model.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			m.opset = o.GetVersion()
			break
		}
	}
	for _, o := range m.onnx.GetOutput() {
		m.outputs[o.GetName()] = true
	}
	for _, t := range m.onnx.GetInitializer() {
		m.initializers[t.GetName()] = true
	}
	declared := map[string]bool{}
	for _, i := range m.onnx.GetInput() {
		declared[i.GetName()] = true
	}
	var unknownInputs []string
	for name := range options.Inputs {
		if !declared[name] {
			unknownInputs = append(unknownInputs, name)
		}
	}
	if len(unknownInputs) > 0 {
		var takes []string
		for _, i := range m.graphInputs() {
			takes = append(takes, i.GetName())
		}
		return nil, fmt.Errorf("inputs names %s, which the model does not take (it takes %s)", list(unknownInputs, true), list(takes, false))
	}
	trainable := options.Trainable
	if options.AllTrainable {
		trainable = nil
		for _, t := range m.onnx.GetInitializer() {
			if floatingTypes[t.GetDataType()] {
				trainable = append(trainable, t.GetName())
			}
		}
	}
	var unknownTrainable []string
	for _, name := range trainable {
		m.trainable[name] = true
		if !m.initializers[name] {
			unknownTrainable = append(unknownTrainable, name)
		}
	}
	if len(unknownTrainable) > 0 {
		return nil, fmt.Errorf("trainable names %s, which are not initializers of the model", list(unknownTrainable, true))
	}
	for _, t := range m.onnx.GetInitializer() {
		value, err := toTensor(t, options.ExternalDataDirectory)
		if err != nil {
			return nil, &UnsupportedError{fmt.Sprintf("initializer '%s': cannot take %s", t.GetName(), err)}
		}
		m.define(t.GetName(), value)
	}
	return m, nil
}

func (m *importer) run() (*pb.Graph, error) {
	for _, value := range m.graphInputs() {
		leaf, err := m.inputLeaf(value)
		if err != nil {
			return nil, err
		}
		m.results[value.GetName()] = leaf
	}
	for index, node := range m.onnx.GetNode() {
		if err := m.convert(index, node); err != nil {
			return nil, err
		}
	}
	var missing []string
	for _, o := range m.onnx.GetOutput() {
		if !m.graph.contains(o.GetName()) {
			missing = append(missing, o.GetName())
		}
	}
	if len(missing) > 0 {
		return nil, &UnsupportedError{fmt.Sprintf("the model's outputs %s are its inputs or initializers unchanged; there is nothing to evaluate", list(missing, false))}
	}
	return m.graph.graph, nil
}

// knownValue is the value of an initializer or a Constant's output; ok is false for a value computed at run time.
func (m *importer) knownValue(name string) (graphgrpc.Tensor, bool) {
	value, ok := m.known[name]
	return value, ok
}

// shape is a value's shape, or an error when it is not known.
func (m *importer) shape(name string) ([]int64, error) {
	if shape := m.shapes[name]; shape != nil {
		return shape, nil
	}
	return nil, unsupportedOperand("'%s' without a known shape (give `inputs` to fix the model's symbolic dimensions)", name)
}

// operand is the node holding a node's index-th input, "" when it is omitted. Initializers and
// Constants become leaves on first use: input leaves when trainable, constants otherwise.
func (m *importer) operand(node *NodeProto, index int) (string, error) {
	name := ""
	if index < len(node.GetInput()) {
		name = node.GetInput()[index]
	}
	if name == "" {
		return "", nil
	}
	if id, ok := m.results[name]; ok {
		return id, nil
	}
	if value, ok := m.known[name]; ok {
		var leaf string
		var err error
		if m.trainable[name] {
			leaf, err = m.graph.input(name, value)
		} else {
			leaf, err = m.graph.constant(value, name)
		}
		m.results[name] = leaf
		return leaf, err
	}
	return "", unsupportedOperand("the operand '%s', which no earlier node, input or initializer gives", name)
}

// required is an operand the op cannot do without.
func (m *importer) required(node *NodeProto, index int) (string, error) {
	id, err := m.operand(node, index)
	if err == nil && id == "" {
		err = unsupportedOperand("no operand %d", index)
	}
	return id, err
}

// define records a value known before run time: a Constant's.
func (m *importer) define(name string, value graphgrpc.Tensor) {
	m.known[name] = value
	m.shapes[name] = value.Shape
}

// graphInputs leaves out initializers, which before IR version 4 were listed among the inputs too.
func (m *importer) graphInputs() []*ValueInfoProto {
	var inputs []*ValueInfoProto
	for _, i := range m.onnx.GetInput() {
		if !m.initializers[i.GetName()] {
			inputs = append(inputs, i)
		}
	}
	return inputs
}

func (m *importer) inputLeaf(value *ValueInfoProto) (string, error) {
	var declared []*int64
	for _, d := range value.GetType().GetTensorType().GetShape().GetDim() {
		if v, ok := d.GetValue().(*TensorShapeProto_Dimension_DimValue); ok {
			size := v.DimValue
			declared = append(declared, &size)
		} else {
			declared = append(declared, nil)
		}
	}
	var tensor graphgrpc.Tensor
	if given, ok := m.options.Inputs[value.GetName()]; ok {
		fits := len(declared) == len(given.Shape)
		for axis, d := range declared {
			if fits && d != nil && *d != given.Shape[axis] {
				fits = false
			}
		}
		if !fits {
			return "", fmt.Errorf("input '%s' is declared %s, but the value given is %s", value.GetName(), dims(declared), formatInts(given.Shape))
		}
		tensor = given
	} else {
		shape := []int64{}
		for _, d := range declared {
			if d == nil {
				return "", fmt.Errorf("input '%s' has symbolic dimensions %s; give its value in Options.Inputs", value.GetName(), dims(declared))
			}
			shape = append(shape, *d)
		}
		tensor = graphgrpc.Tensor{Shape: shape, Data: make([]float64, product(shape))}
	}
	m.shapes[value.GetName()] = tensor.Shape
	return m.graph.input(value.GetName(), tensor)
}

func (m *importer) convert(index int, node *NodeProto) error {
	where := fmt.Sprintf("node %d", index)
	if node.GetName() != "" {
		where = fmt.Sprintf("node '%s'", node.GetName())
	}
	output := ""
	if len(node.GetOutput()) > 0 {
		output = node.GetOutput()[0]
	}
	described := fmt.Sprintf("%s (%s, output '%s')", where, node.GetOpType(), output)
	isDefaultDomain := node.GetDomain() == "" || node.GetDomain() == "ai.onnx"
	op, found := opsByName[node.GetOpType()]
	if !isDefaultDomain || !found {
		domain := ""
		if !isDefaultDomain {
			domain = node.GetDomain() + "."
		}
		return &UnsupportedError{fmt.Sprintf("%s: the op %s%s is not supported. Supported: %s",
			described, domain, node.GetOpType(), strings.Join(opNames, ", "))}
	}
	attributes := attributesOf(node)
	honoured := map[string]bool{}
	for _, a := range op.attributes {
		honoured[a] = true
	}
	var extra []string
	for name := range attributes {
		if !honoured[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		takes := strings.Join(op.attributes, ", ")
		if takes == "" {
			takes = "no attributes"
		}
		return &UnsupportedError{fmt.Sprintf("%s: the attribute(s) %s are not supported; %s takes %s",
			described, strings.Join(extra, ", "), node.GetOpType(), takes)}
	}
	result, err := op.convert(m, output, node, attributes)
	if err != nil {
		if operandError, ok := err.(*unsupportedOperandError); ok {
			return &UnsupportedError{fmt.Sprintf("%s: cannot take %s", described, operandError.what)}
		}
		return err
	}
	if result != "" {
		m.results[output] = result
		m.shapes[output] = m.graph.shapeOf(result)
	}
	return nil
}
