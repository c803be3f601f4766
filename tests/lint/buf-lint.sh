#!/usr/bin/env bash
# Lints every proto of the project with buf's STANDARD rules.
set -euo pipefail
cd "$(dirname "$0")/../../protos"
../tests/tools/node_modules/.bin/buf lint --path graphgrpc
echo "buf lint: clean"
