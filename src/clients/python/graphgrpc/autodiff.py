"""Second derivatives from the gradient as a graph: Hessian-vector products and Hessians.

The server differentiates f once (Differentiate), giving a graph whose sinks compute the gradient of
f. That graph is then evaluated in forward mode: the tangent of the gradient along v is the
Hessian-vector product H v (forward over reverse). A whole Hessian is n such products, one per
direction of the identity, sent as n points of one EvaluateBatch stream.

    with Client() as client:
        g = Graph(); x = g.input("x", [1.0, 2.0])
        f = g.sum(x * x * x)
        client.hvp(f, {x: [1.0, 2.0]}, {x: [1.0, 0.0]})[x]   # [6, 0]
        client.hessian(f, {x: [1.0, 2.0]})[x][x]            # [[6, 0], [0, 12]]
"""
import numpy as np

from graphgrpc._tensors import as_array
from graphgrpc.client import NodeMap
from graphgrpc.graph import node_id


def hvp(client, f, at, v, *, timeout=None):
    """H v, where H is the Hessian of the scalar f (the sum of its elements, if it has several) with
    respect to the inputs in `at`, taken at `at`. at: {input leaf: value}; the other leaves keep their
    values. v: {input leaf: array shaped like it}, one per input of `at` (zero where missing).
    Returns a NodeMap {input id: array shaped like the input}."""
    point = _point(at)
    directions = {key: np.zeros_like(value) for key, value in point.items()}
    for key, value in v.items():
        key = node_id(key)
        if key not in point:
            raise ValueError(f"v has a direction for '{key}', which is not one of the inputs of at ({', '.join(point)})")
        value = as_array(value)
        if value.shape != point[key].shape:
            raise ValueError(f"v['{key}'] has shape {list(value.shape)} but the input has shape {list(point[key].shape)}")
        directions[key] = value
    products = _directional_gradients(client, f, point, {k: d[None] for k, d in directions.items()}, 1, timeout)
    return NodeMap((key, column[0]) for key, column in products.items())


def hessian(client, f, at, *, timeout=None):
    """The Hessian of the scalar f with respect to the inputs in `at`, taken at `at`: H[a][b] has shape
    a.shape + b.shape and holds d2f / da db (a NodeMap of NodeMaps keyed by input id)."""
    point = _point(at)
    sizes = {key: value.size for key, value in point.items()}
    n = sum(sizes.values())
    # Point p of the batch moves along the p-th direction of the identity, over all inputs flattened in order.
    identity = np.eye(n)
    directions, offset = {}, 0
    for key, value in point.items():
        directions[key] = identity[:, offset:offset + sizes[key]].reshape((n, *value.shape))
        offset += sizes[key]
    products = _directional_gradients(client, f, point, directions, n, timeout)

    hessians, starts = {}, np.cumsum([0, *sizes.values()])
    for key_a, value_a in point.items():
        row = {}
        for (key_b, value_b), start in zip(point.items(), starts):
            # Points of b's block, tangent of d f / d a: d2f / da db_j at point j of the block.
            block = products[key_a][start:start + sizes[key_b]].reshape(sizes[key_b], sizes[key_a])
            row[key_b] = block.T.reshape((*value_a.shape, *value_b.shape))
        hessians[key_a] = NodeMap(row)
    return NodeMap(hessians)


def _point(at):
    point = {node_id(key): as_array(value) for key, value in at.items()}
    if not point:
        raise ValueError("at names no input: give {input: value} for the inputs to differentiate with respect to")
    return point


def _directional_gradients(client, f, point, directions, points, timeout):
    """{input: [points, ...]}: the gradient of f with respect to each input, differentiated along the
    given direction at each point (every point at `point`)."""
    gradient = client.differentiate(f, wrt=list(point), timeout=timeout)
    sinks = {key: gradient.sink(key) for key in point}
    columns = {key: np.broadcast_to(value, (points, *value.shape)) for key, value in point.items()}
    batch = client.evaluate_batch(list(sinks.values()), columns, graph=gradient.proto, tangents=directions,
                                  forward_only=True, timeout=timeout)
    return {key: batch.tangents[sink] for key, sink in sinks.items()}
