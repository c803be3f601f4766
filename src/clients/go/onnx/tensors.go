package onnx

import (
	"encoding/binary"
	"fmt"
	"io/ioutil"
	"math"
	"path/filepath"
	"strconv"

	"graphgrpc"
)

// floatingTypes are the element types an initializer can be trainable in, and the ones Cast may go to.
var floatingTypes = map[int32]bool{
	int32(TensorProto_FLOAT): true, int32(TensorProto_DOUBLE): true,
	int32(TensorProto_FLOAT16): true, int32(TensorProto_BFLOAT16): true,
}

// typeName is a data type as ONNX spells it (FLOAT, INT64, ...).
func typeName(dataType int32) string {
	if name, ok := TensorProto_DataType_name[dataType]; ok {
		return name
	}
	return fmt.Sprint(dataType)
}

// toTensor reads an initializer or a Constant's value as float64, as numpy_helper.to_array then
// astype(float64) does. Data kept in an external file is read from modelDirectory, where the model
// file is, as onnx.load does.
func toTensor(t *TensorProto, modelDirectory string) (graphgrpc.Tensor, error) {
	shape := append([]int64{}, t.GetDims()...)
	count := int64(1)
	for _, d := range shape {
		count *= d
	}
	var values []float64
	var err error
	switch {
	case t.GetDataLocation() == TensorProto_EXTERNAL:
		var raw []byte
		if raw, err = externalData(t, modelDirectory); err == nil {
			values, err = fromRaw(t.GetDataType(), raw)
		}
	case t.RawData != nil:
		values, err = fromRaw(t.GetDataType(), t.GetRawData())
	default:
		values, err = fromFields(t)
	}
	if err != nil {
		return graphgrpc.Tensor{}, err
	}
	if int64(len(values)) != count {
		return graphgrpc.Tensor{}, unsupportedOperand("tensor '%s' of shape %s holds %d values, not %d",
			t.GetName(), formatInts(shape), len(values), count)
	}
	return graphgrpc.Tensor{Shape: shape, Data: values}, nil
}

// externalData is the bytes an external tensor's entries point at: location (beside the model), offset and length.
func externalData(t *TensorProto, modelDirectory string) ([]byte, error) {
	entries := map[string]string{}
	for _, e := range t.GetExternalData() {
		entries[e.GetKey()] = e.GetValue()
	}
	location, ok := entries["location"]
	if modelDirectory == "" {
		return nil, unsupportedOperand("tensor '%s' keeps its data in an external file; import the model from its file", t.GetName())
	}
	if !ok {
		return nil, unsupportedOperand("tensor '%s' keeps its data in an external file but names no location", t.GetName())
	}
	path := filepath.Join(modelDirectory, location)
	data, err := ioutil.ReadFile(path)
	if err == nil {
		offset, length := int64(0), int64(len(data))
		if text, ok := entries["offset"]; ok {
			offset, err = strconv.ParseInt(text, 10, 64)
		}
		length -= offset
		if text, ok := entries["length"]; ok && err == nil {
			length, err = strconv.ParseInt(text, 10, 64)
		}
		if err == nil && (offset < 0 || length < 0 || offset+length > int64(len(data))) {
			err = fmt.Errorf("offset %d and length %d fall outside its %d bytes", offset, length, len(data))
		}
		if err == nil {
			return data[offset : offset+length], nil
		}
	}
	return nil, unsupportedOperand("tensor '%s' keeps its data in %s, which cannot be read: %v", t.GetName(), path, err)
}

func fromFields(t *TensorProto) ([]float64, error) {
	switch TensorProto_DataType(t.GetDataType()) {
	case TensorProto_FLOAT:
		return convert(t.GetFloatData(), func(v float32) float64 { return float64(v) }), nil
	case TensorProto_DOUBLE:
		return append([]float64{}, t.GetDoubleData()...), nil
	case TensorProto_INT64:
		return convert(t.GetInt64Data(), func(v int64) float64 { return float64(v) }), nil
	case TensorProto_UINT32, TensorProto_UINT64:
		return convert(t.GetUint64Data(), func(v uint64) float64 { return float64(v) }), nil
	// The narrower integer types, bool and the 16-bit floats are stored one per int32 (a float's bits).
	case TensorProto_INT32, TensorProto_INT16, TensorProto_INT8, TensorProto_UINT16, TensorProto_UINT8, TensorProto_BOOL:
		return convert(t.GetInt32Data(), func(v int32) float64 { return float64(v) }), nil
	case TensorProto_FLOAT16:
		return convert(t.GetInt32Data(), func(v int32) float64 { return fromFloat16(uint16(v)) }), nil
	case TensorProto_BFLOAT16:
		return convert(t.GetInt32Data(), func(v int32) float64 { return fromBfloat16(uint16(v)) }), nil
	}
	return nil, unreadable(t.GetDataType())
}

// fromRaw reads raw_data, which ONNX keeps little-endian whatever the machine.
func fromRaw(dataType int32, raw []byte) ([]float64, error) {
	le := binary.LittleEndian
	readers := map[TensorProto_DataType]struct {
		size int
		read func([]byte) float64
	}{
		TensorProto_FLOAT:    {4, func(b []byte) float64 { return float64(math.Float32frombits(le.Uint32(b))) }},
		TensorProto_DOUBLE:   {8, func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) }},
		TensorProto_FLOAT16:  {2, func(b []byte) float64 { return fromFloat16(le.Uint16(b)) }},
		TensorProto_BFLOAT16: {2, func(b []byte) float64 { return fromBfloat16(le.Uint16(b)) }},
		TensorProto_INT64:    {8, func(b []byte) float64 { return float64(int64(le.Uint64(b))) }},
		TensorProto_INT32:    {4, func(b []byte) float64 { return float64(int32(le.Uint32(b))) }},
		TensorProto_INT16:    {2, func(b []byte) float64 { return float64(int16(le.Uint16(b))) }},
		TensorProto_INT8:     {1, func(b []byte) float64 { return float64(int8(b[0])) }},
		TensorProto_UINT64:   {8, func(b []byte) float64 { return float64(le.Uint64(b)) }},
		TensorProto_UINT32:   {4, func(b []byte) float64 { return float64(le.Uint32(b)) }},
		TensorProto_UINT16:   {2, func(b []byte) float64 { return float64(le.Uint16(b)) }},
		TensorProto_UINT8:    {1, func(b []byte) float64 { return float64(b[0]) }},
		TensorProto_BOOL:     {1, func(b []byte) float64 { return float64(b[0]) }},
	}
	reader, ok := readers[TensorProto_DataType(dataType)]
	if !ok {
		return nil, unreadable(dataType)
	}
	values := make([]float64, len(raw)/reader.size)
	for i := range values {
		values[i] = reader.read(raw[i*reader.size : (i+1)*reader.size])
	}
	return values, nil
}

func convert[T any](values []T, to func(T) float64) []float64 {
	converted := make([]float64, len(values))
	for i, v := range values {
		converted[i] = to(v)
	}
	return converted
}

// fromFloat16 reads IEEE 754 half precision, which Go's standard library lacks.
func fromFloat16(bits uint16) float64 {
	sign := 1.0
	if bits&0x8000 != 0 {
		sign = -1
	}
	exponent := int(bits>>10) & 0x1f
	fraction := float64(bits & 0x3ff)
	switch exponent {
	case 0:
		return sign * math.Ldexp(fraction, -24)
	case 0x1f:
		if fraction == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1024+fraction, exponent-25)
}

// fromBfloat16 reads bfloat16, the upper half of a float32.
func fromBfloat16(bits uint16) float64 {
	return float64(math.Float32frombits(uint32(bits) << 16))
}

func unreadable(dataType int32) error {
	return unsupportedOperand("a tensor of type %s (only numbers)", typeName(dataType))
}
