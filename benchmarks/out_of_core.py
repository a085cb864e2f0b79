"""Out-of-core acceptance run: fcnn on a memory-mapped file of float32 rows.

Writes a file of `--gb` GB of float32 rows (in chunks, never whole in memory) and its
integer labels (a second file), maps both with numpy.memmap, and measures the process's
anonymous memory (RssAnon, sampled every half millisecond by a thread) around one epoch of
`Network.fit`, `Network.predict`, `Network.evaluate`, a `fit` with `validation_split`, and
`FCNNClassifier.fit(...).predict(...)`. Reported per call: the peak growth of RssAnon over
the value before it, beside the network's parameters and the core's batch buffers. Then an
in-memory fit on the first `--compare-rows` rows against a fit on the same rows of the
file, from the same seed: their parameters must agree bit for bit.

The disk space is checked first; if the file does not fit (with 1 GB to spare), the
largest size that does is used, and said.

Run from the repository root, with fcnn built:

    PYTHONPATH=. python benchmarks/out_of_core.py [--gb 8] [--width 512] [--dir PATH]
        [--compare-rows 200000] [--keep]
"""

import argparse
import datetime
import os
import shutil
import tempfile
import threading
import time
import warnings

import numpy as np

import fcnn
import fcnn.sklearn

CHUNK_ROWS = 65536


def status(field):
    """A field of /proc/self/status, in MB."""
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_growth(call):
    """(the call's result, the peak of RssAnon during it minus RssAnon before, in MB)."""
    start, peak, done = status("RssAnon"), [0.0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], status("RssAnon") - start)
            time.sleep(0.0005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = call()
    finally:
        done.set()
        sampler.join()
    return result, max(peak[0], status("RssAnon") - start)


def write_data(folder, rows, width):
    """The files X.f32 (rows x width float32) and y.i64 (their labels: the largest of the
    first ten features), written a chunk at a time."""
    with (
        open(os.path.join(folder, "X.f32"), "wb") as X,
        open(os.path.join(folder, "y.i64"), "wb") as y,
    ):
        for start in range(0, rows, CHUNK_ROWS):
            m = min(CHUNK_ROWS, rows - start)
            chunk = np.random.default_rng(start).random((m, width), dtype=np.float32)
            chunk.tofile(X)
            chunk[:, :10].argmax(axis=1).astype(np.int64).tofile(y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=8.0)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--dir", default=None, help="where to write the files (a temp dir)")
    parser.add_argument("--compare-rows", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the files")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="fcnn-out-of-core-", dir=args.dir)
    row_bytes = args.width * 4 + 8  # and its label
    free = shutil.disk_usage(folder).free
    wanted = int(args.gb * 2**30) // (args.width * 4)
    rows = min(wanted, (free - 2**30) // row_bytes)
    size = rows * args.width * 4 / 2**30
    print(datetime.datetime.now(datetime.UTC).strftime("%a %b %d %H:%M:%S UTC %Y"))
    if rows < wanted:
        print(f"only {free / 2**30:.1f} GB free: {size:.2f} GB instead of {args.gb} GB")
    print(f"{rows:,} rows of {args.width} float32 ({size:.2f} GB) in {folder}")
    try:
        started = time.perf_counter()
        write_data(folder, rows, args.width)
        print(f"written in {time.perf_counter() - started:.0f} s")
        X = np.memmap(os.path.join(folder, "X.f32"), np.float32, "r", shape=(rows, args.width))
        y = np.memmap(os.path.join(folder, "y.i64"), np.int64, "r", shape=(rows,))
        sizes = [args.width, args.hidden, 10]
        net = fcnn.Network(sizes, ["relu", "softmax"], "log_likelihood", dtype="float32", seed=0)
        net.fit(X[:64], y[:64], batch_size=32, lr=0.05)  # code and first buffers in memory
        parameters = net.theta.nbytes / 2**20
        # the training workspace: z, a, delta per unit and row of a batch, the gradient
        # and the batch copies of x and y
        units = sum(sizes[1:])
        buffers = (3 * units * 32 + net.theta.size + 32 * (args.width + 10)) * 4 / 2**20
        print(f"network {sizes}: parameters {parameters:.2f} MB, batch buffers {buffers:.2f} MB")
        before = status("RssAnon")
        print(f"RssAnon before: {before:.1f} MB")
        estimator = fcnn.sklearn.FCNNClassifier(
            hidden_layer_sizes=(args.hidden,), epochs=1, batch_size=32, dtype="float32"
        )
        warnings.simplefilter("ignore")  # one epoch does not converge: not the point here
        calls = {
            "fit (1 epoch)": lambda: net.fit(X, y, batch_size=32, lr=0.05),
            "predict": lambda: net.predict(X),
            "evaluate": lambda: net.evaluate(X, y),
            "fit, validation_split=0.01": lambda: net.fit(
                X, y, batch_size=32, lr=0.05, validation_split=0.01
            ),
            "FCNNClassifier fit": lambda: estimator.fit(X, y),
            "FCNNClassifier predict": lambda: estimator.predict(X),
        }
        print("| call | seconds | peak RssAnon growth (MB) |")
        print("|---|---:|---:|")
        for name, call in calls.items():
            started = time.perf_counter()
            result, growth = peak_growth(call)
            del result
            print(f"| {name} | {time.perf_counter() - started:.1f} | {growth:.1f} |")
        with open("/proc/self/smaps_rollup") as rollup:
            lines = [line.strip() for line in rollup if line.startswith(("Rss", "Anon"))]
        after, high = status("RssAnon"), status("VmHWM")
        print(f"RssAnon after: {after:.1f} MB; VmHWM {high:.1f} MB; smaps_rollup:")
        print("  " + "; ".join(lines))
        outputs = rows * 10 * 4 / 2**20
        print(f"(predict returns {outputs:.0f} MB of outputs)")

        k = min(args.compare_rows, rows)
        in_file = fcnn.Network(
            sizes, ["relu", "softmax"], "log_likelihood", dtype="float32", seed=1
        )
        in_memory = fcnn.Network(
            sizes, ["relu", "softmax"], "log_likelihood", dtype="float32", seed=1
        )
        in_file.fit(X[:k], y[:k], epochs=2, batch_size=32, lr=0.05)
        in_memory.fit(np.array(X[:k]), np.array(y[:k]), epochs=2, batch_size=32, lr=0.05)
        same = np.array_equal(in_file.theta, in_memory.theta)
        print(f"parameters of a fit on {k:,} rows of the file == in memory: {same}")
    finally:
        if not args.keep:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
