#!/usr/bin/env bash
# Builds the grpc-go seed client. Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here="$(dirname "$0")"
exec bash "$here/../../setup/build-go-command.sh" "$here/seed_client.go" "$1"
