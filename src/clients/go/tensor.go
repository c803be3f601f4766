package graphgrpc

import (
	"encoding/binary"
	"fmt"
	"math"

	pb "graphgrpc/v1"
)

// Tensor is a dense float64 tensor in row-major order. An empty Shape is a scalar.
type Tensor struct {
	Shape []int64
	Data  []float64
}

// Scalar is a rank-0 tensor.
func Scalar(value float64) Tensor {
	return Tensor{Shape: []int64{}, Data: []float64{value}}
}

// Vector is a rank-1 tensor of the given values.
func Vector(values ...float64) Tensor {
	return Tensor{Shape: []int64{int64(len(values))}, Data: values}
}

// NewTensor is a tensor of the given shape over data in row-major order. A data length that does
// not match the shape is left for the server to report, naming the node that holds the tensor.
func NewTensor(data []float64, shape ...int64) Tensor {
	return Tensor{Shape: shape, Data: data}
}

// Size is the number of elements the shape holds: 1 for a scalar.
func (t Tensor) Size() int64 {
	return elementCount(t.Shape)
}

// Item is the value of a tensor with exactly one element.
func (t Tensor) Item() (float64, error) {
	if len(t.Data) != 1 {
		return 0, fmt.Errorf("graphgrpc: Item of a tensor of shape %v, which has %d elements rather than 1", t.Shape, len(t.Data))
	}
	return t.Data[0], nil
}

func elementCount(shape []int64) int64 {
	count := int64(1)
	for _, d := range shape {
		count *= d
	}
	return count
}

// toProto sends the data as packed doubles, or as little-endian float64 bytes when raw is set.
func (t Tensor) toProto(raw bool) *pb.Tensor {
	shape := append([]int64(nil), t.Shape...)
	if raw {
		return &pb.Tensor{Shape: shape, Raw: encodeRaw(t.Data)}
	}
	return &pb.Tensor{Shape: shape, Values: append([]float64(nil), t.Data...)}
}

// tensorFromProto reads a tensor sent either way.
func tensorFromProto(t *pb.Tensor) (Tensor, error) {
	if t == nil {
		return Tensor{}, fmt.Errorf("graphgrpc: the server sent no tensor")
	}
	shape := append([]int64{}, t.Shape...)
	data := append([]float64{}, t.Values...)
	if len(t.Raw) != 0 {
		if len(t.Values) != 0 {
			return Tensor{}, fmt.Errorf("graphgrpc: the server sent a tensor with both values and raw bytes")
		}
		var err error
		if data, err = decodeRaw(t.Raw); err != nil {
			return Tensor{}, err
		}
	}
	if int64(len(data)) != elementCount(shape) {
		return Tensor{}, fmt.Errorf("graphgrpc: the server sent a tensor of shape %v with %d values", shape, len(data))
	}
	return Tensor{Shape: shape, Data: data}, nil
}

func encodeRaw(data []float64) []byte {
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], math.Float64bits(v))
	}
	return raw
}

func decodeRaw(raw []byte) ([]float64, error) {
	if len(raw)%8 != 0 {
		return nil, fmt.Errorf("graphgrpc: a raw tensor of %d bytes, not a whole number of float64 values (8 bytes each)", len(raw))
	}
	data := make([]float64, len(raw)/8)
	for i := range data {
		data[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return data, nil
}
