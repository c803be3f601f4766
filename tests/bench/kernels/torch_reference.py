"""Times PyTorch's unary kernels on one thread over the inputs the .NET bench wrote.

Usage: torch_reference.py DIR REPETITIONS. DIR holds NAME.f64 files (raw little-endian float64);
prints one JSON object: kernel name -> median milliseconds.
"""
import json
import pathlib
import sys
import time

import numpy as np
import torch

FUNCTIONS = {
    "exp": torch.exp,
    "log": torch.log,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}


def median_ms(function, x, y, repetitions):
    for _ in range(20):
        function(x, out=y)
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        function(x, out=y)
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3


def main():
    directory, repetitions = pathlib.Path(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(1)
    result = {}
    for path in sorted(directory.glob("*.f64")):
        case = path.stem
        x = torch.from_numpy(np.fromfile(path, dtype="<f8"))
        result[case] = median_ms(FUNCTIONS[case.split("_")[0]], x, torch.empty_like(x), repetitions)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
