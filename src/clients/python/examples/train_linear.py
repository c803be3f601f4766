#!/usr/bin/python3
"""Fits a linear model y = x . w + b to generated data by gradient descent, with every gradient
from a GraphGrpc server.

The graph is one point's squared error, (x . w + b - y)^2. Each step sends all the points over
one EvaluateBatch stream, x and y varying per point while w and b are shared, and the server sums
the shared gradients over the points. The mean squared error falls from about 14 to below 0.011,
just above the noise's variance of 0.01.

    /usr/bin/python3 examples/train_linear.py --address 127.0.0.1:50051 [--plot loss.png]
"""
import argparse
import sys

import numpy as np

from graphgrpc import Client, Graph

TARGET_LOSS = 0.011


def make_data(points, seed=0):
    """x ~ N(0, 1) in 3 dimensions, y = x . [2, -3, 0.5] + 1 plus noise of standard deviation 0.1."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(points, 3))
    y = x @ np.array([2.0, -3.0, 0.5]) + 1.0 + rng.normal(scale=0.1, size=points)
    return x, y


def train(client, x, y, steps, learning_rate, log=print):
    g = Graph()
    xi = g.input("x", np.zeros(3))
    yi = g.input("y", 0.0)
    w = g.input("w", np.zeros(3))
    b = g.input("b", 0.0)
    loss = g.square(xi @ w + b - yi, id="loss")

    losses = []
    for step in range(steps):
        batch = client.evaluate_batch(loss, {xi: x, yi: y}, wrt=[w, b])
        mean_loss = batch.outputs[loss].mean()
        losses.append(mean_loss)
        if step % 10 == 0:
            log(f"step {step:3d}  loss {mean_loss:.6f}")
        # The server summed the gradients over the points; the mean loss wants their mean.
        w.value = w.value - learning_rate * batch.gradients[w] / len(y)
        b.value = b.value - learning_rate * batch.gradients[b] / len(y)
    final = client.evaluate_batch(loss, {xi: x, yi: y}, wrt=[w, b]).outputs[loss].mean()
    return w.value, float(b.value), float(final), losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051", help="the server's host:port")
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--plot", metavar="FILE", help="save the loss curve there (needs python3-matplotlib)")
    args = parser.parse_args()

    x, y = make_data(args.points)
    with Client(args.address, timeout=60) as client:
        w, b, loss, losses = train(client, x, y, args.steps, args.learning_rate)
    if args.plot:
        from loss_curve import save_loss_curve
        save_loss_curve(losses, args.plot, "train_linear: mean squared error")
        print(f"loss curve saved to {args.plot}")

    design = np.column_stack([x, np.ones(len(y))])
    optimum = np.mean((design @ np.linalg.lstsq(design, y, rcond=None)[0] - y) ** 2)
    print(f"w = {np.round(w, 4).tolist()}, b = {b:.4f}")
    print(f"least-squares optimum {optimum:.6f}")
    print(f"final loss {loss:.6f} (target below {TARGET_LOSS})")
    sys.exit(0 if loss < TARGET_LOSS else 1)


if __name__ == "__main__":
    main()
