#!/usr/bin/python3
"""Fits y = x . w + b as train_linear.py does, data-parallel on Dask: the points live as Dask arrays
on the workers of a cluster, each worker streams its chunks to the GraphGrpc servers, and the
gradient of the summed loss comes from a Dask tree reduction of the chunks' sums.

It makes the same data as train_linear.py and takes the same steps, so it reaches the same loss,
about 0.0101, to within rounding: the sums are only added up in another order.

    /usr/bin/python3 examples/train_dask.py --address 127.0.0.1:50051 [--address ...] [--workers 2]
        [--scheduler tcp://HOST:8786] [--plot loss.png]

Without --scheduler it starts a LocalCluster of --workers processes on this machine.
"""
import argparse
import sys

import dask
import dask.array as da
import numpy as np
from distributed import Client as DaskClient, LocalCluster

from graphgrpc import Graph
from graphgrpc.dask import evaluate_batch
from train_linear import TARGET_LOSS, make_data


def train(servers, x, y, steps, learning_rate, log=print):
    """x [N, 3] and y [N] are dask arrays; returns w, b, the final mean loss and the loss curve."""
    g = Graph()
    xi = g.input("x", np.zeros(3))
    yi = g.input("y", 0.0)
    w = g.input("w", np.zeros(3))
    b = g.input("b", 0.0)
    loss = g.square(xi @ w + b - yi, id="loss")
    points = y.shape[0]

    def mean_loss_and_gradients():
        batch = evaluate_batch(loss, {xi: x, yi: y}, servers=servers, wrt=[w, b])
        # One compute: each chunk is evaluated once for the loss and both gradients.
        return dask.compute(batch.outputs[loss].mean(), batch.gradients[w], batch.gradients[b])

    losses = []
    for step in range(steps):
        mean_loss, grad_w, grad_b = mean_loss_and_gradients()
        losses.append(mean_loss)
        if step % 10 == 0:
            log(f"step {step:3d}  loss {mean_loss:.6f}")
        # The reduction summed the gradients over the points; the mean loss wants their mean.
        w.value = w.value - learning_rate * grad_w / points
        b.value = b.value - learning_rate * grad_b / points
    final = mean_loss_and_gradients()[0]
    return w.value, float(b.value), float(final), losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", action="append", help="a server's host:port; repeat it for more servers "
                                                           "(default 127.0.0.1:50051)")
    parser.add_argument("--scheduler", help="a running Dask scheduler's address, instead of a LocalCluster")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the LocalCluster")
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--chunk-points", type=int, default=500, help="points per Dask chunk")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--plot", metavar="FILE", help="save the loss curve there (needs python3-matplotlib)")
    args = parser.parse_args()
    servers = args.address or ["127.0.0.1:50051"]

    cluster = None if args.scheduler else LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                                       dashboard_address=None)
    with DaskClient(args.scheduler or cluster) as dask_client:
        x, y = make_data(args.points)
        # The data moves onto the workers once and stays there for every step.
        x, y = dask_client.persist([da.from_array(x, chunks=(args.chunk_points, 3)),
                                    da.from_array(y, chunks=args.chunk_points)])
        print(f"{args.points} points in {x.numblocks[0]} chunks on {len(dask_client.scheduler_info()['workers'])} "
              f"workers, over {len(servers)} server(s)")
        w, b, loss, losses = train(servers, x, y, args.steps, args.learning_rate)
    if cluster is not None:
        cluster.close()
    if args.plot:
        from loss_curve import save_loss_curve
        save_loss_curve(losses, args.plot, "train_dask: mean squared error")
        print(f"loss curve saved to {args.plot}")

    print(f"w = {np.round(w, 4).tolist()}, b = {b:.4f}")
    print(f"final loss {loss!r} (target below {TARGET_LOSS})")
    sys.exit(0 if loss < TARGET_LOSS else 1)


if __name__ == "__main__":
    main()
