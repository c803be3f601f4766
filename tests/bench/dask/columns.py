"""Raw little-endian float64 columns in files, read and written a block at a time, so that no
process holds a whole column: Dask reads through RawColumn and stores through RawColumnWriter.

A numpy.memmap itself would not do under dask.distributed: it pickles with all its data.
These pickle as a path and a length, and map or write only the block a task asks for.
"""
import os

import numpy as np

DTYPE = np.dtype("<f8")


class RawColumn:
    """A read-only array-like [n] over a file, for da.from_array: each block is memory-mapped,
    copied and unmapped, so the pages it touched leave the process with it."""

    def __init__(self, path, n):
        self.path, self.shape, self.dtype, self.ndim = path, (n,), DTYPE, 1

    def __getitem__(self, key):
        if isinstance(key, tuple):
            (key,) = key
        start, stop, step = key.indices(self.shape[0])
        if step != 1:
            raise ValueError("RawColumn reads contiguous blocks only")
        if stop <= start:
            return np.empty(0, DTYPE)
        mapped = np.memmap(self.path, dtype=DTYPE, mode="r", offset=start * DTYPE.itemsize, shape=(stop - start,))
        block = np.array(mapped)
        del mapped
        return block


class RawColumnWriter:
    """A write-only array-like [n] over a file, for da.store: each block is written with pwrite at
    its offset, so nothing stays mapped or buffered in the writing process."""

    def __init__(self, path, n):
        self.path, self.shape, self.dtype, self.ndim = path, (n,), DTYPE, 1

    def __setitem__(self, key, value):
        if isinstance(key, tuple):
            (key,) = key
        start = key.indices(self.shape[0])[0]
        write_at(self.path, start, value)


def write_at(path, start, values):
    """Writes float64 values at point `start` of the file."""
    data = np.ascontiguousarray(values, dtype=DTYPE).tobytes()
    descriptor = os.open(path, os.O_WRONLY)
    try:
        written = 0
        while written < len(data):
            written += os.pwrite(descriptor, data[written:], start * DTYPE.itemsize + written)
    finally:
        os.close(descriptor)


def create(path, n):
    """An n-point column of zeros on disk (sparse until written)."""
    with open(path, "wb") as f:
        f.truncate(n * DTYPE.itemsize)


def fill_uniform(path, n, seed, low=0.5, high=2.0, block=1 << 22):
    """Writes n uniform points in [low, high) to a new file, a block at a time."""
    create(path, n)
    rng = np.random.default_rng(seed)
    for start in range(0, n, block):
        write_at(path, start, rng.uniform(low, high, min(block, n - start)))
