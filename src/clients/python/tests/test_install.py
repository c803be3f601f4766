"""The package installs offline with Debian's Python into a virtual environment that sees the
system's grpcio, protobuf and numpy, as the package README says."""
import os
import shutil
import subprocess
import venv

from conftest import PACKAGE_ROOT


def test_pip_installs_the_package_offline_into_a_system_site_packages_venv(tmp_path):
    # A copy, so the build leaves nothing in the source tree.
    source = tmp_path / "src"
    shutil.copytree(PACKAGE_ROOT, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    environment = tmp_path / "venv"
    venv.create(environment, system_site_packages=True, with_pip=True)
    python = str(environment / "bin" / "python")
    offline = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    offline.pop("PYTHONPATH", None)

    install = subprocess.run([python, "-m", "pip", "install", "--no-build-isolation", "--no-deps", str(source)],
                             capture_output=True, text=True, env=offline, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr

    check = subprocess.run(
        [python, "-c", "import graphgrpc, sys; g = graphgrpc.Graph(); x = g.input('x', 2.0); (3 * x**2).id;"
                       " print(graphgrpc.__file__); print(graphgrpc.v1.evaluator_pb2_grpc.GraphEvaluatorStub.__name__)"],
        capture_output=True, text=True, env=offline, cwd=str(tmp_path), timeout=60)
    assert check.returncode == 0, check.stderr
    module_path, stub = check.stdout.split()
    assert module_path.startswith(str(environment)) and stub == "GraphEvaluatorStub"
