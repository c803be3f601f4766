"""The examples converge: train_linear.py with every gradient from the server, train_remote_layer.py
with a served block inside a PyTorch model; each saves its loss curve when asked."""
import os
import re
import subprocess
import sys

from conftest import PACKAGE_ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_example(name, address, *arguments):
    script = os.path.join(PACKAGE_ROOT, "examples", name)
    environment = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    run = subprocess.run([sys.executable, script, "--address", address, *arguments], capture_output=True, text=True,
                         env=environment, timeout=240)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    return run.stdout


def test_train_linear_reaches_its_stated_loss(address, tmp_path):
    plot = tmp_path / "loss.png"
    stdout = run_example("train_linear.py", address, "--plot", str(plot))

    losses = [float(v) for v in re.findall(r"^step +\d+ +loss ([0-9.]+)$", stdout, re.MULTILINE)]
    final = float(re.search(r"^final loss ([0-9.]+) \(target below ([0-9.]+)\)$", stdout, re.MULTILINE).group(1))
    target = float(re.search(r"target below ([0-9.]+)", stdout).group(1))
    optimum = float(re.search(r"^least-squares optimum ([0-9.]+)$", stdout, re.MULTILINE).group(1))
    assert losses[0] > 10 and losses == sorted(losses, reverse=True), stdout
    assert final < target == 0.011
    assert final <= optimum * 1.001, f"gradient descent stopped at {final}, the optimum is {optimum}"
    assert plot.read_bytes()[:8] == PNG_SIGNATURE


def test_train_remote_layer_reaches_its_stated_loss(address, tmp_path):
    plot = tmp_path / "loss.png"
    stdout = run_example("train_remote_layer.py", address, "--plot", str(plot))

    losses = [float(v) for v in re.findall(r"^step +\d+ +loss ([0-9.]+)$", stdout, re.MULTILINE)]
    final = float(re.search(r"^final loss ([0-9.]+) \(target below 0\.01\)$", stdout, re.MULTILINE).group(1))
    assert len(losses) == 10 and losses[0] > 0.5 and losses[-1] < losses[0] / 10, stdout
    assert final < 0.01
    assert plot.read_bytes()[:8] == PNG_SIGNATURE
