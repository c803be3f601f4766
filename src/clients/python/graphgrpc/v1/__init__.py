"""Stubs generated from protos/graphgrpc/v1 by tools/generate_stubs.py; do not edit them."""
