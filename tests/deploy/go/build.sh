#!/usr/bin/env bash
# Builds the grpc-go TLS and token client. Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here="$(dirname "$0")"
exec bash "$here/../../setup/build-go-command.sh" "$here/secure_client.go" "$1"
