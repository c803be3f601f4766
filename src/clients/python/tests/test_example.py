"""examples/train_linear.py converges, with every gradient from the server."""
import os
import re
import subprocess
import sys

from conftest import PACKAGE_ROOT


def test_train_linear_reaches_its_stated_loss(address):
    script = os.path.join(PACKAGE_ROOT, "examples", "train_linear.py")
    environment = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    run = subprocess.run([sys.executable, script, "--address", address], capture_output=True, text=True,
                         env=environment, timeout=240)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"

    losses = [float(v) for v in re.findall(r"^step +\d+ +loss ([0-9.]+)$", run.stdout, re.MULTILINE)]
    final = float(re.search(r"^final loss ([0-9.]+) \(target below ([0-9.]+)\)$", run.stdout, re.MULTILINE).group(1))
    target = float(re.search(r"target below ([0-9.]+)", run.stdout).group(1))
    optimum = float(re.search(r"^least-squares optimum ([0-9.]+)$", run.stdout, re.MULTILINE).group(1))
    assert losses[0] > 10 and losses == sorted(losses, reverse=True), run.stdout
    assert final < target == 0.011
    assert final <= optimum * 1.001, f"gradient descent stopped at {final}, the optimum is {optimum}"
