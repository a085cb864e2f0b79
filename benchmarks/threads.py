"""Where a second BLAS thread starts to pay, and fcnn's thread policy against one thread.

Two measurements, each reported as medians of rounds whose cases alternate (so that
machine noise hits all alike); figures are printed, never asserted:

  --sweep  seconds per fit epoch (Adam, 2,048 rows of the MNIST sample) of [784, h, 10]
           and [784, h, h, 10] networks at several batch sizes, at 1 and at 2 BLAS
           threads (fcnn.threads.limit), beside each run's largest product in
           multiply-adds (rows x inputs x outputs of its widest layer): the figures
           behind fcnn.threads.ONE_THREAD_BELOW.
  --pairs  the issue's acceptance runs, each in a fresh process, default threads (the
           policy) and OPENBLAS_NUM_THREADS=1 alternating: A [784, 100, 10] batch 32 and
           C [784, 512, 512, 10] relu/softmax float32 batch 128, Adam, 3 epochs over the
           MNIST sample; with --busy, a busy process pinned to the last core runs
           beside them (taskset). Each run reports the count the policy chose.

Run from the repository root, with fcnn built in place (pip install -e .) and
threadpoolctl installed (for --sweep):

    python benchmarks/threads.py --sweep [--repeats 5]
    python benchmarks/threads.py --pairs [--busy] [--repeats 5] [--case NAME ...]
"""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import fcnn
from fcnn.datasets import load_mnist_sample

SWEEP = [
    ([784, 30, 10], (10, 32, 128, 512)),
    ([784, 100, 10], (10, 32, 128, 512)),
    ([784, 300, 10], (10, 32, 128, 512)),
    ([784, 512, 512, 10], (10, 32, 64, 128, 512)),
]

RUN = """
import contextlib, sys, time, numpy as np, fcnn
from fcnn.datasets import load_mnist_sample
sizes, options, batch = {case!r}
X, y = load_mnist_sample("train")
net = fcnn.Network(sizes, **options, seed=0)
counts = set()
class Count(fcnn.callbacks.Callback):
    def on_epoch_end(self, net, epoch, logs):
        counts.add(fcnn.threads.current())
start = time.perf_counter()
with fcnn.threads.limit({limit}) if {limit} else contextlib.nullcontext():
    net.fit(X, y, epochs=3, batch_size=batch, optimizer=fcnn.Adam(1e-3), callbacks=[Count()])
print(time.perf_counter() - start, sorted(counts))
"""

SETTINGS = {
    "default (policy)": ({}, 0),
    "OPENBLAS_NUM_THREADS=1": ({"OPENBLAS_NUM_THREADS": "1"}, 0),
    "no policy (limit(cores))": ({}, os.cpu_count()),
}
"""What each run of --pairs sets: its environment, and a fcnn.threads.limit around fit
(the count that OpenBLAS starts with, given explicitly: fcnn before the policy)."""

CASES = {
    "A [784, 100, 10] batch 32": ([784, 100, 10], {}, 32),
    "C [784, 512, 512, 10] batch 128": (
        [784, 512, 512, 10],
        {"activations": ["relu", "relu", "softmax"], "cost": "log_likelihood", "dtype": "float32"},
        128,
    ),
}


def epoch_seconds(sizes, batch, X, y):
    net = fcnn.Network(sizes, seed=0)
    start = time.perf_counter()
    net.fit(X, y, epochs=1, batch_size=batch, optimizer=fcnn.Adam(1e-3))
    return time.perf_counter() - start


def sweep(repeats):
    X, y = load_mnist_sample("train")
    X, y = X[:2048], y[:2048]
    print("| network | batch | largest product | 1 thread s | 2 threads s | 2 / 1 |")
    print("|---|---:|---:|---:|---:|---:|")
    for sizes, batches in SWEEP:
        for batch in batches:
            times = {1: [], 2: []}
            for _ in range(repeats):
                for n in (1, 2):
                    with fcnn.threads.limit(n):
                        times[n].append(epoch_seconds(sizes, batch, X, y))
            one, two = (statistics.median(times[n]) for n in (1, 2))
            largest = batch * max(a * b for a, b in zip(sizes, sizes[1:]))
            print(f"| {sizes} | {batch} | {largest:,} | {one:.3f} | {two:.3f} | {two / one:.2f} |")


def run(case, setting):
    variables, limit = SETTINGS[setting]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", RUN.format(case=case, limit=limit)],
        env={**env, **variables},
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    out = out.stdout.split(maxsplit=1)
    return float(out[0]), out[1].strip()


@contextlib.contextmanager
def busy_process(busy):
    if not busy:
        yield
        return
    core = str(os.cpu_count() - 1)
    process = subprocess.Popen(["taskset", "-c", core, sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        process.kill()
        process.wait()


def pairs(repeats, busy, names):
    print(f"load average before: {os.getloadavg()}; busy process beside: {busy}")
    results = {}
    with busy_process(busy):
        for name in names:
            times = {setting: [] for setting in SETTINGS}
            counts = {setting: set() for setting in SETTINGS}
            for _ in range(repeats):
                for setting in SETTINGS:
                    seconds, count = run(CASES[name], setting)
                    times[setting].append(seconds)
                    counts[setting].add(count)
            medians = {setting: statistics.median(t) for setting, t in times.items()}
            results[name] = {
                "medians": medians,
                "counts": {k: sorted(v) for k, v in counts.items()},
            }
            print(f"{name}:")
            for setting, median in medians.items():
                print(
                    f"  {setting}: {median:.2f} s, {median / medians['OPENBLAS_NUM_THREADS=1']:.2f}"
                    f"x one thread's; counts during fit {', '.join(sorted(counts[setting]))}"
                )
    print(f"load average after: {os.getloadavg()}")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--pairs", action="store_true")
    parser.add_argument("--busy", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--json")
    args = parser.parse_args()
    np.seterr(all="ignore")
    if args.sweep:
        sweep(args.repeats)
    if args.pairs:
        results = pairs(args.repeats, args.busy, args.case or list(CASES))
        if args.json:
            with open(args.json, "w") as file:
                json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
