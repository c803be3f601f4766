"""gRPC's own retry policy for the calls that are safe to repeat, as a channel's service config.

Validate, Evaluate, EvaluateUnary and Explain are retried when the server refuses them as
overloaded: RESOURCE_EXHAUSTED carrying a delay in grpc-retry-pushback-ms (and in a
google.rpc.RetryInfo detail), which gRPC waits out before the next attempt. The server spreads that
delay per refusal, so refused clients do not come back together. A limit the request broke is
RESOURCE_EXHAUSTED too, with a pushback of -1, which gRPC never retries.

EvaluateBatch is left out: with Debian's grpcio 1.51, a batch stream retried this way reached the
server without its start message (seen in graphgrpc.dask's test of a full server). A refused batch
stream is resumed instead by `graphgrpc.failover.stream_batch_failover` or by graphgrpc.dask, which
send it again from its start, on the next server.
"""
import json

SERVICE = "graphgrpc.v1.GraphEvaluator"
IDEMPOTENT_METHODS = ("Validate", "Evaluate", "EvaluateUnary", "Explain")


def service_config(max_attempts):
    """The JSON service config for `max_attempts` tries in all (1: none retried), or None for 1."""
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
    if max_attempts == 1:
        return None
    policy = {
        # gRPC allows at most 5 attempts; it clamps larger values to 5.
        "maxAttempts": max_attempts,
        # Used only for a refusal without pushback; gRPC draws each wait at random up to the backoff.
        "initialBackoff": "0.1s",
        "maxBackoff": "2s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["RESOURCE_EXHAUSTED"],
    }
    return json.dumps({"methodConfig": [{
        "name": [{"service": SERVICE, "method": method} for method in IDEMPOTENT_METHODS],
        "retryPolicy": policy,
    }]})


def channel_options(max_attempts):
    """Channel options that turn the retry policy on."""
    config = service_config(max_attempts)
    if config is None:
        return [("grpc.enable_retries", 0)]
    return [("grpc.enable_retries", 1), ("grpc.service_config", config)]
