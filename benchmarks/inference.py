"""Inference speed: fcnn's predict against ONNX Runtime and PyTorch, side by side in one run.

The same trained-from-nothing network (seed 0, ReLU hidden layers, softmax output) in
each system, for A [784, 30, 10] and C [784, 512, 512, 10], in float32 and float64:

  fcnn         Network.predict; also Network.predictor() and predict(X, out=)
  onnxruntime  InferenceSession of the model fcnn.export.to_onnx writes (float32 and
               float64 as the network), intra_op_num_threads=1, inter_op_num_threads=1,
               all graph optimizations; session.run
  torch        the same nn.Sequential, torch.set_num_threads(1), torch.inference_mode(),
               from numpy in and to numpy out (what a caller gets)

Cases: the latency of one sample given as a (1, 784) array and as a 1-D (784,) array
(onnxruntime takes 2-D inputs only: its 1-D figure includes the reshape to (1, 784)), a
float32 sample into a float64 network (the conversion included), and the throughput of
10,000 rows in one call. Each figure is the median over --repeats rounds (with min and
max) of the mean time of a call in a round (200 calls of one sample, one of 10,000
rows); the cases' rounds are interleaved so that machine noise hits all alike. BLAS
(fcnn's core, numpy) at 1 thread. The outputs are checked against fcnn's in the same run
(max abs difference).

Targets (issue 22), reported, never asserted: fcnn's one-sample latency at most half of
onnxruntime's, its throughput at least onnxruntime's, and its (1, 784) figure within
0.5 us of its 1-D figure. Each is judged on the rounds' own comparisons, their median
(onnxruntime's time over fcnn's in the same round; the (1, 784) time less the (784,)
one): on a shared machine the load moves whole rounds, and a ratio of the medians of
two noisy series can land on either side of a close target.

Run from the repository root, with fcnn built in place (pip install -e .) and
``pip install onnx onnxruntime torch threadpoolctl``:

    python benchmarks/inference.py [--repeats 41] [--quick] [--json PATH]
"""

import argparse
import datetime
import json
import operator
import os
import platform
import statistics
import sys
import tempfile
import time

import numpy as np

import fcnn
from fcnn.export import to_onnx

SIZES = {"A": [784, 30, 10], "C": [784, 512, 512, 10]}
ROWS = 10_000


def torch_twin(net):
    """The nn.Sequential that computes what net computes (ReLU hidden layers, softmax)."""
    import torch

    layers = []
    for k, (w, b) in enumerate(zip(net.weights, net.biases)):
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.from_numpy(w).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.array(w)))
            linear.bias.copy_(torch.from_numpy(np.array(b)))
        last = k == len(net.weights) - 1
        layers += [linear, torch.nn.Softmax(dim=-1) if last else torch.nn.ReLU()]
    return torch.nn.Sequential(*layers).eval()


def per_call(function, calls):
    """Seconds per call of function(), over `calls` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def median_of(first, second, compare):
    """The median over rounds of compare(first's time, second's time) in the round."""
    return statistics.median(compare(a, b) for a, b in zip(first, second))


def measure(cases, repeats):
    """{name: [seconds per call of each round]}, the cases' rounds interleaved."""
    for _, function, calls in cases.values():
        per_call(function, max(1, calls // 10))  # warm-up
    times = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (_, function, calls) in cases.items():
            times[name].append(per_call(function, calls))
    return times


def systems(net, onnx_path):
    """(label, predict of a numpy array) of each system for net."""
    import onnxruntime
    import torch

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    model = torch_twin(net)

    def ort(X):
        return session.run(None, {"input": X if X.ndim == 2 else X.reshape(1, -1)})[0]

    def pytorch(X):
        with torch.inference_mode():
            return model(torch.from_numpy(X)).numpy()

    return ort, pytorch


def run_network(name, dtype, repeats, quick):
    net = fcnn.Network(
        SIZES[name],
        ["relu"] * (len(SIZES[name]) - 2) + ["softmax"],
        "log_likelihood",
        dtype=dtype,
        seed=0,
    )
    rng = np.random.default_rng(0)
    X = rng.random((ROWS, 784)).astype(dtype)
    sample, row = X[0], X[:1]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "net.onnx")
        exported = to_onnx(net, path)
        ort, pytorch = systems(net, path)
    predictor = net.predictor()
    out = np.empty((1, 10), dtype=dtype)
    calls = 50 if quick else 200
    other = row.astype(np.float32 if dtype == "float64" else np.float64)
    cases = {
        "fcnn (1, 784)": ("latency", lambda: net.predict(row), calls),
        "fcnn (784,)": ("latency", lambda: net.predict(sample), calls),
        "fcnn predictor (1, 784)": ("latency", lambda: predictor(row), calls),
        "fcnn predict(out=) (1, 784)": ("latency", lambda: net.predict(row, out=out), calls),
        f"fcnn (1, 784) {other.dtype}": ("latency", lambda: net.predict(other), calls),
        "onnxruntime (1, 784)": ("latency", lambda: ort(row), calls),
        "onnxruntime (784,)": ("latency", lambda: ort(sample), calls),
        "torch (1, 784)": ("latency", lambda: pytorch(row), calls),
        "torch (784,)": ("latency", lambda: pytorch(sample), calls),
        f"fcnn {ROWS} rows": ("throughput", lambda: net.predict(X), 1),
        f"onnxruntime {ROWS} rows": ("throughput", lambda: ort(X), 1),
        f"torch {ROWS} rows": ("throughput", lambda: pytorch(X), 1),
    }
    expected = net.predict(X[:64])
    agreement = {
        "to_onnx's check (max rel)": exported.max_rel,
        "onnxruntime": float(np.abs(ort(X[:64]) - expected).max()),
        "torch": float(np.abs(pytorch(X[:64]) - expected).max()),
    }
    times = measure(cases, repeats)
    results = {}
    for case, (kind, _, _) in cases.items():
        seconds = times[case]
        median = statistics.median(seconds)
        if kind == "latency":
            figures = [s * 1e6 for s in (median, min(seconds), max(seconds))]
            unit = "us"
        else:
            figures = [ROWS / s for s in (median, max(seconds), min(seconds))]
            unit = "rows/s"
        results[case] = {
            "kind": kind,
            "unit": unit,
            "median": figures[0],
            "best": figures[1],
            "worst": figures[2],
        }
    # Each target from the rounds' own comparisons (the cases of a round run side by
    # side), their median: the load of a shared machine moves whole rounds, not ratios.
    fcnn_one, ort_one = times["fcnn (1, 784)"], times["onnxruntime (1, 784)"]
    paired = {
        "onnxruntime / fcnn latency (1, 784)": median_of(ort_one, fcnn_one, operator.truediv),
        "fcnn / onnxruntime throughput": median_of(
            times[f"onnxruntime {ROWS} rows"], times[f"fcnn {ROWS} rows"], operator.truediv
        ),
        "(1, 784) - (784,) us": 1e6 * median_of(fcnn_one, times["fcnn (784,)"], operator.sub),
    }
    targets = {
        "latency <= half of onnxruntime's": paired["onnxruntime / fcnn latency (1, 784)"] >= 2,
        "throughput >= onnxruntime's": paired["fcnn / onnxruntime throughput"] >= 1,
        "(1, 784) within 0.5 us of (784,)": paired["(1, 784) - (784,) us"] <= 0.5,
    }
    return {
        "network": name,
        "sizes": SIZES[name],
        "dtype": dtype,
        "results": results,
        "max_abs_difference_from_fcnn": agreement,
        "paired": paired,
        "targets": targets,
    }


def report(run):
    print(f"\n### {run['network']} {run['sizes']}, {run['dtype']}\n")
    print("| case | median | best | worst |")
    print("|---|---:|---:|---:|")
    for case, r in run["results"].items():
        fmt = "{:,.2f} us" if r["unit"] == "us" else "{:,.0f} rows/s"
        print(
            f"| {case} | "
            + " | ".join(fmt.format(r[k]) for k in ("median", "best", "worst"))
            + " |"
        )
    print(
        "\npaired (medians over rounds): "
        + "; ".join(f"{k}: {v:.2f}" for k, v in run["paired"].items())
    )
    print(
        "targets: "
        + "; ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in run["targets"].items())
    )
    print(
        "max abs difference from fcnn: "
        + ", ".join(f"{k} {v:.2g}" for k, v in run["max_abs_difference_from_fcnn"].items())
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument("--quick", action="store_true", help="a smoke run: A only, 3 rounds")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    import onnxruntime
    import torch

    torch.set_num_threads(1)
    repeats = 3 if args.quick else args.repeats
    networks = ["A"] if args.quick else list(SIZES)
    header = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%a %b %d %H:%M:%S UTC %Y"),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "fcnn": fcnn.__version__,
        "onnxruntime": onnxruntime.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    print(", ".join(f"{k} {v}" for k, v in header.items()))
    runs = []
    with fcnn.threads.limit(1):
        for name in networks:
            for dtype in ("float32", "float64"):
                runs.append(run_network(name, dtype, repeats, args.quick))
                report(runs[-1])
    if args.json:
        with open(args.json, "w") as file:
            json.dump({**header, "runs": runs}, file, indent=1)


if __name__ == "__main__":
    main()
