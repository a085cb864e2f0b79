"""Reproduce the MNIST accuracies of Nielsen's "Neural Networks and Deep Learning" with fcnn.

Two of the book's setups, both trained on the first 50,000 MNIST training images with
mini-batch SGD (batch 10) for 30 epochs, float64, scored after every epoch on the
validation images 50,000-60,000 and on the 10,000 test images:

  network.py   [784, 30, 10], sigmoid, quadratic cost, weights and biases N(0, 1)
               (init "normal"), eta = 3.0.
               Book, chapter 1 "Using neural nets to recognize handwritten digits",
               section "Implementing our network to classify digits":
               net.SGD(training_data, 30, 10, 3.0, test_data=test_data) reaches
               "95.42 percent at its peak" (epoch 28), best of three runs, scored on the
               10,000 TEST images.
  network2.py  [784, 100, 10], sigmoid, cross-entropy cost, L2 lambda = 5.0 in the form
               w <- (1 - eta lambda/n) w - ..., n = 50,000 (fit's l2), eta = 0.5.
               Book, chapter 3 "Improving the way neural networks learn", end of the
               section "Overfitting and regularization": net.large_weight_initializer();
               net.SGD(training_data, 30, 10, 0.5, lmbda=5.0,
               evaluation_data=validation_data) gives "a classification accuracy of
               97.92 percent on the validation data" (60 epochs at eta = 0.1 give 98.04).
               That run used the N(0, 1) initialisation (init "normal"); network2's
               default, w ~ N(0, 1/n_in) (fcnn's "normal_scaled"), is run too: the
               section "Weight initialization" finds it speeds learning up but ends at
               about the same accuracy.

The lecture notes (shared/spec/lecture-notes.txt) give no accuracy figure for either
setup: they mention MNIST only as the example for softmax and log-likelihood.

Each setup runs with seeds 0, 1, 2; reported per run is its best epoch's accuracy (the
book reports the best epoch, and for chapter 1 the best of three runs), with the mean
and best over the seeds, and the wall time of a run (training plus scoring 20,000
images after each epoch). Prints a markdown table and writes benchmarks/results/nielsen.json.

Run from the repository root (with fcnn importable, e.g. PYTHONPATH=.):

    python benchmarks/nielsen.py [--seeds 3] [--epochs 30] [--threads 1] [--quick]
"""

import argparse
import contextlib
import json
import os
import statistics
import time

import fcnn
from fcnn.datasets import load_mnist

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "mnist"))
DEFAULT_JSON = os.path.join(REPO_ROOT, "benchmarks", "results", "nielsen.json")
N_TRAIN = 50_000
BATCH_SIZE = 10

SETUPS = [
    {
        "name": "network.py: [784, 30, 10] quadratic, init normal, eta 3.0",
        "sizes": [784, 30, 10],
        "cost": "quadratic",
        "init": "normal",
        "lr": 3.0,
        "l2": 0.0,
        "book": 0.9542,
        "book_scored_on": "test",
        "book_source": "Nielsen, NNDL ch. 1, 'Implementing our network to classify digits': "
        "95.42% at its peak (epoch 28), best of three runs, test images",
    },
    {
        "name": "network2.py: [784, 100, 10] cross-entropy, l2 5.0, init normal_scaled, eta 0.5",
        "sizes": [784, 100, 10],
        "cost": "cross_entropy",
        "init": "normal_scaled",
        "lr": 0.5,
        "l2": 5.0,
        "book": 0.9792,
        "book_scored_on": "validation",
        "book_source": "Nielsen, NNDL ch. 3, 'Overfitting and regularization': 97.92% on the "
        "validation images, with the N(0, 1) init; 'Weight initialization': "
        "the 1/sqrt(n_in) init ends at about the same accuracy",
    },
    {
        "name": "network2.py: [784, 100, 10] cross-entropy, l2 5.0, init normal, eta 0.5",
        "sizes": [784, 100, 10],
        "cost": "cross_entropy",
        "init": "normal",
        "lr": 0.5,
        "l2": 5.0,
        "book": 0.9792,
        "book_scored_on": "validation",
        "book_source": "Nielsen, NNDL ch. 3, 'Overfitting and regularization': "
        "net.large_weight_initializer(), 30 epochs, eta 0.5, lmbda 5.0: "
        "97.92% on the validation images",
    },
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="runs per setup (seeds 0..N-1)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (threadpoolctl)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 seed, 2 epochs on 10,000 images: a smoke test, not the book's",
    )
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder of the MNIST IDX files")
    parser.add_argument(
        "--json",
        metavar="PATH",
        default=DEFAULT_JSON,
        help="where to write the figures (default benchmarks/results/nielsen.json)",
    )
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.epochs = 1, 2
    if args.seeds < 1 or args.epochs < 1 or args.threads < 1:
        parser.error("--seeds, --epochs and --threads must be at least 1")
    return args


def run(setup, seed, train, validation, test, epochs):
    """One training run: accuracies and costs per epoch, and its wall time."""
    net = fcnn.Network(setup["sizes"], "sigmoid", setup["cost"], init=setup["init"], seed=seed)
    record = {"seed": seed, "cost": [], "val_accuracy": [], "test_accuracy": []}
    started = time.perf_counter()
    for _ in range(epochs):
        # one epoch per call, so that the test images can be scored after each epoch too;
        # the shuffles come from the network's seeded generator, epoch after epoch
        history = net.fit(
            *train,
            epochs=1,
            batch_size=BATCH_SIZE,
            lr=setup["lr"],
            l2=setup["l2"],
            validation_data=validation,
        )
        record["cost"].append(history.cost[0])
        record["val_accuracy"].append(history.val_accuracy[0])
        record["test_accuracy"].append(net.evaluate(*test)["accuracy"])
    record["seconds"] = time.perf_counter() - started
    for split in ("val", "test"):
        accuracies = record[f"{split}_accuracy"]
        record[f"best_{split}_accuracy"] = max(accuracies)
        record[f"best_{split}_epoch"] = accuracies.index(max(accuracies)) + 1
    return record


def summarise(runs):
    summary = {}
    for split in ("val", "test"):
        best = [r[f"best_{split}_accuracy"] for r in runs]
        summary[split] = {"per_seed": best, "mean": statistics.mean(best), "best": max(best)}
    summary["seconds_per_run"] = statistics.mean(r["seconds"] for r in runs)
    return summary


def percent(value):
    return f"{100 * value:.2f}"


def print_table(results, n_train, epochs):
    print(
        f"MNIST, {n_train} training images, batch {BATCH_SIZE}, {epochs} epochs, float64; "
        f"best epoch accuracy (%) of each seed on the validation images 50,000-60,000 and "
        f"on the test images"
    )
    print()
    print(
        "| setup | book | validation, per seed | mean | best | test, per seed | mean | best "
        "| s per run |"
    )
    print("|---|---:|---|---:|---:|---|---:|---:|---:|")
    for result in results:
        setup, summary = result["setup"], result["summary"]
        cells = [setup["name"], f"{percent(setup['book'])} ({setup['book_scored_on']})"]
        for split in ("val", "test"):
            figures = summary[split]
            cells += [
                ", ".join(percent(v) for v in figures["per_seed"]),
                percent(figures["mean"]),
                percent(figures["best"]),
            ]
        cells.append(f"{summary['seconds_per_run']:.0f}")
        print("| " + " | ".join(cells) + " |")
    print()
    for result in results:
        print(f"- {result['setup']['book_source']}")


def main():
    args = parse_args()
    try:
        X, y = load_mnist(args.data, "train")
        X_test, y_test = load_mnist(args.data, "test")
    except FileNotFoundError as error:
        raise SystemExit(f"{error}\ngive the folder of the MNIST IDX files with --data") from None
    n_train = 10_000 if args.quick else N_TRAIN
    train, validation = (X[:n_train], y[:n_train]), (X[N_TRAIN:], y[N_TRAIN:])
    test = (X_test, y_test)

    try:
        limit = fcnn.threads.limit(args.threads)
    except ImportError:
        print("threadpoolctl is not installed: BLAS threads not limited")
        limit = contextlib.nullcontext()
    results = []
    with limit:
        for setup in SETUPS:
            runs = []
            for seed in range(args.seeds):
                record = run(setup, seed, train, validation, test, args.epochs)
                print(
                    f"{setup['name']}, seed {seed}: best validation "
                    f"{percent(record['best_val_accuracy'])}% (epoch "
                    f"{record['best_val_epoch']}), best test "
                    f"{percent(record['best_test_accuracy'])}% (epoch "
                    f"{record['best_test_epoch']}), {record['seconds']:.0f} s",
                    flush=True,
                )
                runs.append(record)
            results.append({"setup": setup, "runs": runs, "summary": summarise(runs)})
    print()
    print_table(results, n_train, args.epochs)

    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    figures = {
        "config": {
            "n_train": n_train,
            "epochs": args.epochs,
            "seeds": args.seeds,
            "batch_size": BATCH_SIZE,
            "threads": args.threads,
            "dtype": "float64",
            "quick": args.quick,
        },
        "results": results,
    }
    with open(args.json, "w") as handle:
        json.dump(figures, handle, indent=1)
    print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
