#!/usr/bin/python3
"""Prints the YAML documents of each file (or of stdin, for "-") as one JSON array, so .NET tests can read manifests."""
import json
import sys

import yaml

documents = []
for path in sys.argv[1:]:
    with (sys.stdin if path == "-" else open(path)) as f:
        documents.extend(d for d in yaml.safe_load_all(f) if d is not None)
json.dump(documents, sys.stdout)
