"""examples/train_dask.py, data-parallel on a LocalCluster, reaches the loss of the single-process
train_linear.py to 1e-12."""
import os
import re
import sys

from conftest import PACKAGE_ROOT
from test_example import PNG_SIGNATURE, run_example

sys.path.insert(0, os.path.join(PACKAGE_ROOT, "examples"))
import train_linear  # noqa: E402  (needs the path above)


def test_train_dask_reaches_the_single_process_loss(client, address, tmp_path):
    plot = tmp_path / "loss.png"
    stdout = run_example("train_dask.py", address, "--workers", "2", "--plot", str(plot))
    x, y = train_linear.make_data(2000)
    *_, single_process_loss, single_process_losses = train_linear.train(client, x, y, 60, 0.1, log=lambda line: None)

    assert re.search(r"^2000 points in 4 chunks on 2 workers, over 1 server\(s\)$", stdout, re.MULTILINE), stdout
    losses = [float(v) for v in re.findall(r"^step +\d+ +loss ([0-9.]+)$", stdout, re.MULTILINE)]
    final = float(re.search(r"^final loss ([0-9.e-]+) \(target below 0\.011\)$", stdout, re.MULTILINE).group(1))
    assert len(losses) == 6 and losses[0] > 10 and losses == sorted(losses, reverse=True), stdout
    assert abs(final - single_process_loss) <= 1e-12, (final, single_process_loss)
    assert [round(v, 6) for v in single_process_losses[::10]] == losses
    assert final < 0.011
    assert plot.read_bytes()[:8] == PNG_SIGNATURE
