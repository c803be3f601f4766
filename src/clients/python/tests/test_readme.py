"""The README's "From PyTorch" and "From ONNX" commands run as written and print what it says."""
import os
import re
import subprocess

import pytest

from conftest import PACKAGE_ROOT, REPOSITORY_ROOT

EXPECTED = {
    "From PyTorch": "dL/dw torch.Size([3, 2])\nsame value as torch: True\n",
    "From ONNX": "same value as torch: True\ndy/dW (3, 4)\nwrote classifier.json: 7 nodes\n",
}


def readme_commands(title):
    with open(os.path.join(REPOSITORY_ROOT, "README.md")) as f:
        text = f.read()
    section = re.search(rf"^### {title}\n(.*?)^###? ", text, re.S | re.M).group(1)
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


@pytest.mark.parametrize("title", sorted(EXPECTED))
def test_the_readme_section_runs_as_written(address, tmp_path, title):
    # The commands run from the repository root against the default address: point both at this test's.
    commands = readme_commands(title).replace("127.0.0.1:50051", address)
    commands = commands.replace("PYTHONPATH=src/clients/python", f"PYTHONPATH={PACKAGE_ROOT}")
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout == EXPECTED[title]
    readme = readme_commands(title)
    assert "127.0.0.1:50051" in readme and "PYTHONPATH=src/clients/python" in readme
