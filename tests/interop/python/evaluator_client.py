#!/usr/bin/python3
"""graphgrpc.v1.GraphEvaluator from Debian's grpcio (the gRPC C core), case by case.

Usage: /usr/bin/python3 evaluator_client.py --server_port PORT --repo_root DIR --test_cases a,b,c
Prints "PASS name" or "FAIL name: reason" per case, and exits 1 if any case failed.
"""
import argparse
import sys
import tempfile
import threading
import traceback

import grpc

import stubs
from cases import NAMES, Cases, Failure

CASE_TIME_LIMIT = 60


def run_case(cases, name):
    """The case's failure, or None when it passed."""
    result = [None] if name in NAMES else [f"unknown case {name}"]

    def run():
        try:
            getattr(cases, name)()
        except Failure as failure:
            result[0] = str(failure)
        except grpc.RpcError as error:
            result[0] = f"unexpected status {error.code()}: {error.details()!r}"
        except Exception:  # a crash in one case must not hide the others
            traceback.print_exc()
            result[0] = traceback.format_exc().strip().splitlines()[-1]

    if result[0] is None:
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(CASE_TIME_LIMIT)
        if worker.is_alive():
            result[0] = f"did not finish in {CASE_TIME_LIMIT} s"
    return result[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--repo_root", required=True)
    parser.add_argument("--test_cases", required=True, help="comma-separated case names")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as generated:
        cases = Cases(stubs.load(args.repo_root, generated), args.repo_root, f"127.0.0.1:{args.server_port}")
        for name in args.test_cases.split(","):
            failure = run_case(cases, name)
            failed |= failure is not None
            print(f"PASS {name}" if failure is None else f"FAIL {name}: {failure}", flush=True)
        cases.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
