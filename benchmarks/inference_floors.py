"""The floors under issue 22's inference targets, measured beside fcnn and onnxruntime.

Latency. A one-sample prediction multiplies each weight once, so it cannot take less
time than reading every weight from wherever the weights live between calls. For C
[784, 512, 512, 10] they are 2.7 MB in float32 (5.3 MB in float64): more than this
core's L2, so every call streams them from L3. Per network and dtype, at 1 thread:

  read      a BLAS dot product of each weight matrix with itself (one stream of the
            weights' bytes: the plain read bandwidth), summed over the layers
  gemv      the same BLAS (scipy's, which fcnn's core calls) computing W a for one
            sample layer after layer, without biases or activations
  predict   fcnn's Network.predict of one (1, 784) sample
  ort       onnxruntime's session.run of the same sample, on the model
            fcnn.export.to_onnx writes (1 thread; skipped without onnxruntime)
  call      one BLAS call on a tiny vector: the Python cost of a call, included in
            each "read" and "gemv" layer (fcnn's core calls BLAS from C)

and the read bandwidth of buffers from 256 kB to 64 MB (where L2 and L3 end; smaller
buffers would measure the call). The target, fcnn at most half of onnxruntime's
latency, is out of reach wherever half of onnxruntime's time is below "read".

Throughput. fcnn's predict forwards 10,000 rows in chunks of Network's chunk size (32
rows for A): the same run times predict, the first layer's products alone over the
same chunks (scipy's BLAS from a Python loop), predict with larger chunks (set on the
network's private structure, for this measurement only) and onnxruntime.

Each figure is the median, with min and max, over --repeats interleaved rounds; the
ratios are medians of each round's ratio (figures taken side by side), so that the
load of a shared machine cancels.

    python benchmarks/inference_floors.py [--repeats 15]
"""

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import scipy
from scipy.linalg import blas

import fcnn

SIZES = {"A": [784, 30, 10], "C": [784, 512, 512, 10]}
ROWS = 10_000
LARGER_CHUNKS = (64, 512, ROWS)


def per_call(function, calls):
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def interleaved(cases, repeats):
    """{name: [seconds per call, a round each]}, the cases' rounds interleaved."""
    for function, calls in cases.values():
        per_call(function, max(1, calls // 10))
    times = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (function, calls) in cases.items():
            times[name].append(per_call(function, calls))
    return times


def paired(numerators, denominators):
    """The median of the rounds' ratios."""
    return statistics.median(n / d for n, d in zip(numerators, denominators))


def network(name, dtype):
    sizes = SIZES[name]
    return fcnn.Network(sizes, ["relu"] * (len(sizes) - 2) + ["softmax"], dtype=dtype, seed=0)


def onnxruntime_run(net):
    """session.run of an input on net's exported model, at 1 thread; None without
    onnxruntime."""
    try:
        import onnxruntime
    except ImportError:
        return None
    from fcnn.export import to_onnx

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "net.onnx")
        to_onnx(net, path, check=False)
        session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return lambda X: session.run(None, {"input": X})


def blas_routines(dtype):
    prefix = "s" if dtype == "float32" else "d"
    return (getattr(blas, prefix + name) for name in ("dot", "gemv", "gemm"))


def latency_cases(net):
    """{case: (function, calls)} of one sample, and the weights' bytes."""
    dot, gemv, _ = blas_routines(net.dtype)
    weights = [w.ravel() for w in net.weights]
    row = np.random.default_rng(0).random((1, net.sizes[0])).astype(net.dtype)
    tiny = np.ones(8, dtype=net.dtype)

    def read():
        for w in weights:
            dot(w, w)

    def chain():
        a = row[0]
        for w in net.weights:
            a = gemv(1.0, w.T, a, trans=1)  # w.T is w's buffer in Fortran order: no copy

    cases = {
        "read": (read, 400),
        "gemv": (chain, 400),
        "predict": (lambda: net.predict(row), 400),
        "call": (lambda: dot(tiny, tiny), 4000),
    }
    ort = onnxruntime_run(net)
    if ort is not None:
        cases["ort"] = (lambda: ort(row), 400)
    return sum(w.nbytes for w in weights), cases


def throughput_cases(net):
    """{case: (function, calls)} of 10,000 rows."""
    _, _, gemm = blas_routines(net.dtype)
    X = np.random.default_rng(0).random((ROWS, net.sizes[0])).astype(net.dtype)
    structure = net._structure
    chunks = [X[i : i + structure.chunk_rows] for i in range(0, ROWS, structure.chunk_rows)]
    first = net.weights[0].T  # as the core calls gemm: z^T = W x^T, Fortran order

    def chunked(rows):
        workspace = structure.workspace(rows)  # made once, as predict keeps its own

        def predict():
            saved = structure.chunk_rows, structure.inference_workspace(ROWS)
            structure.chunk_rows, structure.per_thread.workspace = rows, workspace
            try:
                net.predict(X)
            finally:
                structure.chunk_rows, structure.per_thread.workspace = saved

        return predict

    cases = {
        f"predict ({structure.chunk_rows}-row chunks)": (lambda: net.predict(X), 3),
        "layer 1's products alone, same chunks": (
            lambda: [gemm(1.0, first, c.T, trans_a=1) for c in chunks],
            3,
        ),
    }
    for rows in LARGER_CHUNKS:
        cases[f"predict ({rows}-row chunks)"] = (chunked(rows), 3)
    ort = onnxruntime_run(net)
    if ort is not None:
        cases["ort"] = (lambda: ort(X), 3)
    return cases


def bandwidth_cases(dtype="float32"):
    """{size in bytes: (read it once, calls)} for buffers from 256 kB to 64 MB."""
    cases = {}
    for kb in (256, 512, 768, 1536, 2048, 2730, 4096, 5460, 8192, 16384, 65536):
        buffer = np.ones(kb * 1024 // 4, dtype=dtype)
        cases[kb * 1024] = ((lambda b=buffer: blas.sdot(b, b)), max(4, 2_000_000 // kb))
    return cases


def table(times, unit, scale, nbytes=None):
    """Markdown rows of the cases' median, best and worst; with nbytes, the bytes per
    second that the median reads them at."""
    print(f"| case | median {unit} | best | worst |" + (" GB/s (median) |" if nbytes else ""))
    print("|---|---:|---:|---:|" + ("---:|" if nbytes else ""))
    for case, seconds in times.items():
        values = sorted(scale(s) for s in seconds)
        if unit == "rows/s":
            values.reverse()
        figures = (statistics.median(values), values[0], values[-1])
        digits = 0 if unit == "rows/s" else 2
        line = f"| {case} | " + " | ".join(f"{v:,.{digits}f}" for v in figures) + " |"
        if nbytes:
            gbs = nbytes / statistics.median(seconds) / 1e9
            line += f" {gbs:.1f} |" if case != "call" else " |"
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, fcnn {fcnn.__version__}")
    with fcnn.threads.limit(1):
        print("\n| buffer | read GB/s (median) | best | worst |\n|---:|---:|---:|---:|")
        times = interleaved(bandwidth_cases(), args.repeats)
        for size, seconds in times.items():
            gbs = sorted((size / s / 1e9 for s in seconds), reverse=True)
            print(
                f"| {size / 1024:,.0f} kB | {statistics.median(gbs):.1f} | {gbs[0]:.1f} "
                f"| {gbs[-1]:.1f} |"
            )
        for name in SIZES:
            for dtype in ("float32", "float64"):
                net = network(name, dtype)
                nbytes, cases = latency_cases(net)
                times = interleaved(cases, args.repeats)
                print(f"\n### {name} {SIZES[name]} {dtype}, one sample: weights ", end="")
                print(f"{nbytes / 1e6:.2f} MB\n")
                table(times, "us", lambda s: s * 1e6, nbytes)
                print(f"\npredict / read: {paired(times['predict'], times['read']):.2f}")
                if "ort" in times:
                    half = [s / 2 for s in times["ort"]]
                    print(
                        f"half of onnxruntime's / read: {paired(half, times['read']):.2f} "
                        "(below 1: the target is a wall)"
                    )
        for dtype in ("float32", "float64"):
            net = network("A", dtype)
            times = interleaved(throughput_cases(net), args.repeats)
            print(f"\n### A {SIZES['A']} {dtype}, {ROWS:,} rows\n")
            table(times, "rows/s", lambda s: ROWS / s)
            predict = next(iter(times.values()))
            print()
            for case, seconds in list(times.items())[1:]:
                print(f"{case} / predict, time: {paired(seconds, predict):.2f}")


if __name__ == "__main__":
    main()
