"""Training on sparse, text-like input: fcnn with CSR against scikit-learn's MLP with the
same CSR input, and fcnn's own dense-input figure on a subset, side by side in one run.

The problem: 100,000 features, 100 nonzeros per row at random columns (values uniform in
[0, 1), as TF-IDF weights are), 20 classes, a [100000, 64, 20] network (relu, softmax,
log-likelihood), plain SGD, batch 32, lr 0.1, float64, one thread.

  fcnn (CSR)       Network.fit(X_csr, epochs=1) on all rows; seconds from History
  sklearn (CSR)    MLPClassifier((64,), solver="sgd", momentum=0, batch_size=32,
                   max_iter=1) on the first --sklearn-rows rows of the same CSR matrix
                   (its time per row does not depend on the row count: every mini-batch
                   updates the whole of its dense 100,000 x 64 first layer)
  fcnn (dense)     Network.fit on the first --dense-rows rows as a dense array

Reported: rows per second of each, and the ratios fcnn (CSR) / the others; the peak
resident memory of the fcnn (CSR) fit in a child process beside the sizes of the CSR data
and the parameters. Speed is compared in one run, never asserted in tests.

    python benchmarks/sparse_text.py [--rows 200000] [--sklearn-rows 10000]
        [--dense-rows 20000] [--json PATH]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

import fcnn

FEATURES, NONZEROS, CLASSES, HIDDEN, BATCH, LR = 100_000, 100, 20, 64, 32, 0.1


def text_like(rows, seed=0):
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, FEATURES, size=rows * NONZEROS)
    X = sp.csr_matrix(
        (rng.random(rows * NONZEROS), indices, np.arange(rows + 1) * NONZEROS),
        shape=(rows, FEATURES),
    )
    X.sum_duplicates()
    return X, rng.integers(0, CLASSES, size=rows)


def network():
    return fcnn.Network([FEATURES, HIDDEN, CLASSES], ["relu", "softmax"], "log_likelihood", seed=0)


def fcnn_rate(X, y):
    history = network().fit(X, y, epochs=1, batch_size=BATCH, lr=LR, seed=0)
    return X.shape[0] / history.seconds[0]


def sklearn_rate(X, y):
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        (HIDDEN,),
        solver="sgd",
        momentum=0,
        batch_size=BATCH,
        learning_rate_init=LR,
        max_iter=1,
        shuffle=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch does not converge
        started = time.perf_counter()
        model.fit(X, y)
    return X.shape[0] / (time.perf_counter() - started)


def peak_resident():
    """The process's peak resident memory in bytes (VmHWM: unlike ru_maxrss, not inherited
    from the parent across fork and exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def resident():
    """The process's resident memory now, in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def memory_child(rows):
    """Run in a child: build the data, report its size, fit, report the peak RSS."""
    network().fit(*text_like(100), epochs=1, lr=LR)  # every module loaded, every code path
    baseline = resident()
    X, y = text_like(rows)
    data_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    net = network()
    with open("/proc/self/clear_refs", "w") as refs:  # the peak from here on: the fit's
        refs.write("5")
    before = peak_resident()
    net.fit(X, y, epochs=1, batch_size=BATCH, lr=LR, seed=0)
    peak = peak_resident()
    print(
        json.dumps(
            {
                "data": data_bytes,
                "parameters": net.theta.nbytes,
                "baseline": baseline,
                "peak_before_fit": before,
                "peak": peak,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--sklearn-rows", type=int, default=10_000)
    parser.add_argument("--dense-rows", type=int, default=20_000)
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    from threadpoolctl import threadpool_limits

    X, y = text_like(args.rows)
    results = {}
    with threadpool_limits(1):
        results["fcnn (CSR)"] = fcnn_rate(X, y)
        results["sklearn (CSR)"] = sklearn_rate(X[: args.sklearn_rows], y[: args.sklearn_rows])
        dense = X[: args.dense_rows].toarray()
        results["fcnn (dense)"] = fcnn_rate(dense, y[: args.dense_rows])
    del dense
    child = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(args.rows)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    memory = json.loads(child.stdout.strip().splitlines()[-1])
    mib = 2**20
    for name, rate in results.items():
        ratio = results["fcnn (CSR)"] / rate
        print(f"{name:14} {rate:12,.0f} rows/s   fcnn (CSR) is {ratio:6.1f}x that")
    added = memory["peak"] - memory["peak_before_fit"]
    print(
        f"memory: the fit's peak {memory['peak'] / mib:,.0f} MiB = before it "
        f"{memory['peak_before_fit'] / mib:,.0f} MiB (interpreter and libraries "
        f"{memory['baseline'] / mib:,.0f}, CSR data {memory['data'] / mib:,.0f}, parameters "
        f"{memory['parameters'] / mib:,.0f}) + {added / mib:,.0f} MiB added by the fit (of "
        f"which {memory['parameters'] / mib:,.0f} the copy of the parameters that undoes an "
        f"unfinished epoch)"
    )
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"rates": results, "memory": memory, "rows": args.rows}, file, indent=2)


if __name__ == "__main__":
    main()
