"""google.rpc.Status, generated from protos/google/rpc/status.proto by tools/generate_stubs.py."""
