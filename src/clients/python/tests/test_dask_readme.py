"""The README's Dask lines (in "From Python") run as written and print what it says."""
import os
import re
import subprocess

from conftest import PACKAGE_ROOT, REPOSITORY_ROOT

EXPECTED = "(1000000,) ((250000, 250000, 250000, 250000),)\n2.8903717578961645 0.847297918\n"


def from_python_section():
    with open(os.path.join(REPOSITORY_ROOT, "README.md")) as f:
        return re.search(r"^### From Python\n(.*?)^###? ", f.read(), re.S | re.M).group(1)


def test_the_readme_dask_lines_run_as_written(address, tmp_path):
    section = from_python_section()
    commands = next(block for block in re.findall(r"```sh\n(.*?)```", section, re.S) if "graphgrpc.dask" in block)
    assert "127.0.0.1:50051" in commands and "PYTHONPATH=src/clients/python" in commands
    commands = commands.replace("127.0.0.1:50051", address).replace("PYTHONPATH=src/clients/python",
                                                                     f"PYTHONPATH={PACKAGE_ROOT}")
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == EXPECTED
    first, second = EXPECTED.splitlines()
    assert f"It prints `{first}`, then `{second}`." in " ".join(section.split())
