"""numpy arrays to and from graphgrpc.v1.Tensor."""
import numpy as np

from graphgrpc.v1 import graph_pb2

# The wire's raw bytes are little-endian float64, whatever this machine's byte order.
WIRE_DTYPE = np.dtype("<f8")


def as_array(value):
    """A number, a nested list or an array as a float64 numpy array."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"a tensor needs real numbers, not {type(value).__name__} {value!r}")
    return array.astype(np.float64, copy=False)


def to_tensor(value, raw=False):
    """A Tensor message: packed doubles (as graph files are written) or, with raw, little-endian bytes."""
    array = as_array(value)
    tensor = graph_pb2.Tensor(shape=array.shape)
    if raw:
        tensor.raw = np.ascontiguousarray(array, dtype=WIRE_DTYPE).tobytes()
    else:
        tensor.values.extend(array.ravel().tolist())
    return tensor


def from_tensor(tensor, copy=True):
    """A float64 numpy array with the tensor's shape, from raw bytes or packed doubles: writable, or
    with copy=False (raw bytes on a little-endian machine) a read-only view of the message's bytes."""
    shape = tuple(tensor.shape)
    if tensor.raw:
        flat = np.frombuffer(tensor.raw, dtype=WIRE_DTYPE).astype(np.float64, copy=copy)
    else:
        flat = np.array(tensor.values, dtype=np.float64)
    return flat.reshape(shape)
