"""The README's Derivatives section: its Python commands run as written and print what it shows."""
import os
import re
import subprocess

from conftest import PACKAGE_ROOT, REPOSITORY_ROOT


def test_the_derivatives_python_commands_print_what_the_readme_shows(address, tmp_path):
    with open(os.path.join(REPOSITORY_ROOT, "README.md")) as f:
        text = f.read()
    section = re.search(r"^### Derivatives: .*?\n(.*?)^### ", text, re.S | re.M).group(1)
    commands, shown = re.search(r"```sh\n(PYTHONPATH=.*?)```\n\n```\n(.*?)```", section, re.S).groups()
    assert "127.0.0.1:50051" in commands
    commands = commands.replace("127.0.0.1:50051", address).replace("PYTHONPATH=src/clients/python", f"PYTHONPATH={PACKAGE_ROOT}")
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == shown
