#!/usr/bin/env bash
# Runs every test: installs what they need, builds, runs the xunit suites, then the cross-checks.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup/install-deps.sh
dotnet build GraphGrpc.sln -c Release --no-restore
dotnet test GraphGrpc.sln -c Release --no-build
bash tests/lint/buf-lint.sh
/usr/bin/python3 tests/torch/compare_with_torch.py
