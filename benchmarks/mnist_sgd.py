"""Training speed on MNIST: fcnn against plain vectorized NumPy, side by side in one run.

Measures samples per second of one training epoch of the lecture notes' MNIST
configuration: sizes [784, 30, 10], sigmoid on every layer, quadratic cost, mini-batch
SGD with batch size 10 and lr 3.0, float64, on the first 50,000 training images.

  fcnn   Network.fit(epochs=1) per epoch, timed with time.perf_counter around the call
  numpy  fcnn.reference.sgd_epoch, the same algorithm in NumPy, from the same initial
         parameters; the epoch's shuffle (rng.permutation) is timed with it, as fit's is

Each system runs one untimed warm-up epoch, then the timed epochs alternate
(fcnn, numpy, fcnn, ...) so machine noise hits both alike. Reported: median, min and max
samples/s per system, the ratio of medians fcnn/numpy, and test accuracy after training
(a check that both really trained). Speed is compared in one run, never asserted in tests.

Run from the repository root (with fcnn importable, e.g. PYTHONPATH=.):

    python benchmarks/mnist_sgd.py [--epochs 5] [--threads 1] [--quick] [--json PATH]
"""

import argparse
import contextlib
import json
import os
import statistics
import time

import numpy as np
from peers.common import blas_info

import fcnn
from fcnn import reference
from fcnn.datasets import load_mnist

try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None

SIZES = [784, 30, 10]
BATCH_SIZE = 10
LR = 3.0
N_TRAIN = 50_000
N_QUICK = 10_000
SEED = 0
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "mnist"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per system")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (threadpoolctl)")
    parser.add_argument("--quick", action="store_true", help="1 timed epoch on 10,000 images")
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder of the MNIST IDX files")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args()
    if args.quick:
        args.epochs = 1
    if args.epochs < 1 or args.threads < 1:
        parser.error("--epochs and --threads must be at least 1")
    return args


def one_hot(y, classes=10):
    Y = np.zeros((y.shape[0], classes))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def fcnn_epoch(net, X, y, epoch):
    """Wall seconds of one fit epoch (its own shuffle included)."""
    started = time.perf_counter()
    net.fit(X, y, epochs=1, batch_size=BATCH_SIZE, lr=LR, seed=SEED + epoch)
    return time.perf_counter() - started


def numpy_epoch(params, X, Y, rng):
    """Wall seconds of one reference.sgd_epoch, the shuffle included."""
    weights, biases, activations, cost = params
    started = time.perf_counter()
    order = rng.permutation(X.shape[0])
    reference.sgd_epoch(weights, biases, activations, cost, X, Y, BATCH_SIZE, LR, order)
    return time.perf_counter() - started


def measure(X, y, epochs):
    """Warm up each system once, then time `epochs` interleaved epochs of each."""
    net = fcnn.Network(SIZES, "sigmoid", "quadratic", seed=SEED)
    params = (
        [w.copy() for w in net.weights],
        [b.copy() for b in net.biases],
        net.activations,
        net.cost,
    )
    Y, rng = one_hot(y), np.random.default_rng(SEED)
    fcnn_epoch(net, X, y, epoch=0)
    numpy_epoch(params, X, Y, rng)
    seconds = {"fcnn": [], "numpy": []}
    for epoch in range(1, epochs + 1):
        seconds["fcnn"].append(fcnn_epoch(net, X, y, epoch))
        seconds["numpy"].append(numpy_epoch(params, X, Y, rng))
    return net, params, seconds


def test_accuracies(net, params, Xt, yt):
    weights, biases, activations, _ = params
    _, outputs = reference.forward(weights, biases, activations, Xt)
    return {
        "fcnn": net.evaluate(Xt, yt)["accuracy"],
        "numpy": float(np.mean(outputs[-1].argmax(axis=1) == yt)),
    }


def summarise(seconds, n, accuracy):
    rates = [n / s for s in seconds]
    return {
        "seconds": seconds,
        "samples_per_second": rates,
        "median": statistics.median(rates),
        "min": min(rates),
        "max": max(rates),
        "test_accuracy": accuracy,
    }


def print_report(results, ratio, blas, n, epochs, threads):
    print(
        f"MNIST {SIZES}, sigmoid, quadratic, batch {BATCH_SIZE}, lr {LR}, float64: "
        f"{n} training images, {epochs} timed epoch(s) each after 1 warm-up, interleaved"
    )
    if blas is None:
        print("BLAS: threadpoolctl is not installed; threads not limited, library unknown")
    else:
        print(
            f"BLAS, limited to {threads} thread(s) (fcnn's core calls scipy's BLAS through "
            f"scipy.linalg.cython_blas, the numpy peer numpy's):"
        )
        for lib in blas:
            print("  " + ", ".join(f"{k} {v}" for k, v in lib.items()))
    print()
    print("| system | median samples/s | min | max | test accuracy |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['median']:,.0f} | {r['min']:,.0f} | {r['max']:,.0f} | "
            f"{r['test_accuracy']:.4f} |"
        )
    print()
    print(f"ratio of medians fcnn/numpy: {ratio:.2f}x")


def main():
    args = parse_args()
    X, y = load_mnist(args.data, "train")
    Xt, yt = load_mnist(args.data, "test")
    n = N_QUICK if args.quick else N_TRAIN
    X, y = X[:n], y[:n]
    limit = (
        threadpoolctl.threadpool_limits(args.threads) if threadpoolctl else contextlib.nullcontext()
    )
    with limit:
        blas = blas_info()
        net, params, seconds = measure(X, y, args.epochs)
    accuracy = test_accuracies(net, params, Xt, yt)
    results = {name: summarise(seconds[name], n, accuracy[name]) for name in seconds}
    ratio = results["fcnn"]["median"] / results["numpy"]["median"]
    print_report(results, ratio, blas, n, args.epochs, args.threads)
    if args.json:
        figures = {
            "config": {
                "sizes": SIZES,
                "batch_size": BATCH_SIZE,
                "lr": LR,
                "n_train": n,
                "epochs": args.epochs,
                "threads": args.threads,
            },
            "blas": blas,
            "results": results,
            "ratio_fcnn_over_numpy": ratio,
        }
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
