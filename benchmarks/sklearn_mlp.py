"""fcnn's drop-in MLPClassifier / MLPRegressor against scikit-learn's, side by side in one run.

Both are given the same parameters, the same standardised data and random_state=0:

  fcnn     fcnn.sklearn.MLPClassifier / MLPRegressor (training and predict in fcnn's core)
  sklearn  sklearn.neural_network.MLPClassifier / MLPRegressor

Data sets: scikit-learn's bundled digits, breast cancer, iris and wine (classifiers),
diabetes (regressor, y standardised too) and make_classification(n_samples=20000,
n_features=50, random_state=0); X standardised (StandardScaler) for all. Settings:

  defaults   solver "sgd", "adam" and "lbfgs", every other parameter scikit-learn's default
             (hidden_layer_sizes=(100,), max_iter=200, tol=1e-4, ...); ConvergenceWarning
             silenced
  per epoch  solver "sgd" and "adam" at batch_size=32 for a fixed number of epochs
             (max_iter=--epochs, tol=0, n_iter_no_change never reached): seconds / epochs

Timing: one untimed warm-up fit of each estimator and solver, then each configuration's
fits alternate (fcnn, sklearn, fcnn, sklearn, ...) for --rounds rounds, so that machine
noise hits both alike. Reported: the median seconds of each and the median of the
per-round ratios sklearn / fcnn (above 1: fcnn is faster). Wall time of fit, what a user
gets.

Same results, checked in the same run: n_iter_ of the two, and the largest relative
difference of their coefs_ and intercepts_ (max |a - b| / max |b| of each array, the
largest over the arrays), after the timed fit and after a fit of the same configuration
stopped after 5 epochs (lbfgs: 20 iterations), where it must be at most 1e-9. Over long
runs training is chaotic and amplifies rounding, so the first figure may be far larger.
Speed is compared in one run, never asserted in tests.

Run from the repository root, with fcnn built in place (pip install -e .):

    python benchmarks/sklearn_mlp.py [--rounds 5] [--epochs 50] [--threads 1] [--quick]
        [--json PATH]
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
import scipy
import sklearn
from peers import roofline
from peers.common import blas_info
from sklearn import datasets
from sklearn import neural_network as theirs
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import fcnn
from fcnn import sklearn as ours

try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None

SEED = 0
SOLVERS = ("sgd", "adam", "lbfgs")
STOCHASTIC = ("sgd", "adam")
PER_EPOCH_BATCH = 32
CHECK_EPOCHS = {"sgd": 5, "adam": 5, "lbfgs": 20}  # the short fit whose parameters must agree
TOLERANCE = 1e-9  # largest relative difference of the short fit's parameters
TARGETS = {"defaults": 3.0, "per epoch": 10.0, "lbfgs on digits": 3.0}  # issue 20's acceptance


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed fits of each system")
    parser.add_argument("--epochs", type=int, default=50, help="epochs of the per-epoch fits")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (threadpoolctl)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 3 rounds, 5 epochs, make_classification with 2,000 rows",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args()
    args.samples = 20_000
    if args.quick:
        args.rounds, args.epochs, args.samples = 3, 5, 2_000
    if args.rounds < 3 or args.epochs < 1 or args.threads < 1:
        parser.error("--rounds must be at least 3, --epochs and --threads at least 1")
    return args


def standardised(X):
    return StandardScaler().fit_transform(X)


def load_datasets(samples):
    """name -> (X, y, is_regression), X standardised."""
    loaded = {}
    for name in ("digits", "breast_cancer", "iris", "wine"):
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        loaded[name] = (standardised(X), y, False)
    X, y = datasets.load_diabetes(return_X_y=True)
    loaded["diabetes"] = (standardised(X), (y - y.mean()) / y.std(), True)
    X, y = datasets.make_classification(n_samples=samples, n_features=50, random_state=SEED)
    loaded[f"make_classification {samples:,} x 50"] = (standardised(X), y, False)
    return loaded


def configurations(epochs):
    """(setting, solver, parameters) of every timed configuration."""
    for solver in SOLVERS:
        yield "defaults", solver, {"solver": solver}
    for solver in STOCHASTIC:
        per_epoch = {
            "solver": solver,
            "batch_size": PER_EPOCH_BATCH,
            "max_iter": epochs,
            "tol": 0.0,
            "n_iter_no_change": 10**9,
        }
        yield "per epoch", solver, per_epoch


def estimators(regression):
    """The two estimator classes: fcnn's first, scikit-learn's second."""
    if regression:
        return ours.MLPRegressor, theirs.MLPRegressor
    return ours.MLPClassifier, theirs.MLPClassifier


def timed_fit(cls, X, y, parameters):
    """Wall seconds of one fit and the fitted estimator."""
    model = cls(random_state=SEED, **parameters)
    started = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - started, model


def relative_difference(a, b):
    """The largest, over coefs_ and intercepts_, of max |a - b| / max |b|."""
    pairs = zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)
    return max(float(np.max(np.abs(x - z)) / np.max(np.abs(z))) for x, z in pairs)


def warm_up(X, y):
    for cls in estimators(False):
        for solver in SOLVERS:
            timed_fit(cls, X, y, {"solver": solver, "max_iter": 5})


def gemm_roofline(X, y, regression):
    """The GEMM roofline of an epoch at the per-epoch batch size for the network both
    fit on X, y (benchmarks/peers/roofline.py): seconds no implementation can beat."""
    outputs = 1 if regression or len(np.unique(y)) == 2 else len(np.unique(y))
    sizes = [X.shape[1], *theirs.MLPClassifier().hidden_layer_sizes, outputs]
    mode = "compiled" if roofline.compiled_module() is not None else "python"
    gemms = roofline.GemmRoofline(sizes, PER_EPOCH_BATCH, np.float64, mode=mode)
    return lambda: gemms.epoch(X.shape[0])["seconds"]


def measure(X, y, regression, parameters, rounds):
    """Alternate fits of the two systems; their seconds, per-round ratios and results.
    Per-epoch configurations time an epoch of the GEMM roofline in each round too."""
    fcnn_cls, sklearn_cls = estimators(regression)
    seconds = {"fcnn": [], "sklearn": [], "roofline": []}
    ratios = []
    gemm_epoch = gemm_roofline(X, y, regression) if "batch_size" in parameters else None
    for _ in range(rounds):
        ours_seconds, ours_model = timed_fit(fcnn_cls, X, y, parameters)
        theirs_seconds, theirs_model = timed_fit(sklearn_cls, X, y, parameters)
        seconds["fcnn"].append(ours_seconds)
        seconds["sklearn"].append(theirs_seconds)
        ratios.append(theirs_seconds / ours_seconds)
        if gemm_epoch:
            seconds["roofline"].append(sum(gemm_epoch() for _ in range(parameters["max_iter"])))
    short = {**parameters, "max_iter": CHECK_EPOCHS[parameters["solver"]]}
    short_ours, short_theirs = (timed_fit(cls, X, y, short)[1] for cls in estimators(regression))
    return {
        "seconds": seconds,
        "ratios": ratios,
        "fcnn_seconds": statistics.median(seconds["fcnn"]),
        "sklearn_seconds": statistics.median(seconds["sklearn"]),
        "roofline_seconds": statistics.median(seconds["roofline"]) if gemm_epoch else None,
        "ratio": statistics.median(ratios),
        "n_iter": [ours_model.n_iter_, theirs_model.n_iter_],
        "difference": relative_difference(ours_model, theirs_model),
        "short_n_iter": [short_ours.n_iter_, short_theirs.n_iter_],
        "short_difference": relative_difference(short_ours, short_theirs),
    }


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def load_average():
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def flagged(text, bad):
    return f"**{text}**" if bad else text


def table_row(row, epochs):
    r = row["result"]
    per_epoch = row["setting"] == "per epoch"
    unit = 1000 / epochs if per_epoch else 1.0  # ms per epoch, or seconds per fit
    n_iter = r["n_iter"][0] if r["n_iter"][0] == r["n_iter"][1] else "{} vs {}".format(*r["n_iter"])
    short_bad = r["short_difference"] > TOLERANCE or r["short_n_iter"][0] != r["short_n_iter"][1]
    difference = flagged(f"{r['difference']:.1e}", r["difference"] > TOLERANCE)
    short_difference = flagged(f"{r['short_difference']:.1e}", short_bad)
    gemms = ratio = ""
    if r["roofline_seconds"] is not None:
        gemms = f"{r['roofline_seconds'] * unit:.3f}"
        ratio = f"{r['sklearn_seconds'] / r['roofline_seconds']:.1f}x"
    return (
        f"| {row['data']} | {row['setting']} | {row['solver']} | "
        f"{flagged(n_iter, r['n_iter'][0] != r['n_iter'][1])} | "
        f"{r['sklearn_seconds'] * unit:.3f} | {r['fcnn_seconds'] * unit:.3f} | "
        f"{r['ratio']:.1f}x | {gemms} | {ratio} | {difference} | {short_difference} |"
    )


def acceptance(rows):
    """(target, measured, met) of each of issue 20's speed figures."""
    verdicts = []
    for solver in SOLVERS:
        ratios = {
            r["data"]: r["result"]["ratio"]
            for r in rows
            if r["setting"] == "defaults" and r["solver"] == solver
        }
        worst = min(ratios, key=ratios.get)
        default = " (scikit-learn's default solver)" if solver == "adam" else ""
        verdicts.append(
            (
                f"defaults, {solver}{default}: at least {TARGETS['defaults']:.0f}x on every "
                "data set",
                f"lowest {ratios[worst]:.1f}x ({worst}); "
                f"{sum(v >= TARGETS['defaults'] for v in ratios.values())} of {len(ratios)} met",
                min(ratios.values()) >= TARGETS["defaults"],
            )
        )
    per_epoch = {
        f"{r['data']}, {r['solver']}": r["result"]["ratio"]
        for r in rows
        if r["setting"] == "per epoch"
    }
    worst = min(per_epoch, key=per_epoch.get)
    verdicts.append(
        (
            f"per epoch at batch_size={PER_EPOCH_BATCH} (sgd and adam): at least "
            f"{TARGETS['per epoch']:.0f}x on every data set",
            f"lowest {per_epoch[worst]:.1f}x ({worst}); "
            f"{sum(v >= TARGETS['per epoch'] for v in per_epoch.values())} of "
            f"{len(per_epoch)} met",
            min(per_epoch.values()) >= TARGETS["per epoch"],
        )
    )
    digits = next(
        r["result"]["ratio"]
        for r in rows
        if r["data"] == "digits" and r["setting"] == "defaults" and r["solver"] == "lbfgs"
    )
    verdicts.append(
        (
            f"lbfgs on digits (defaults): at least {TARGETS['lbfgs on digits']:.0f}x",
            f"{digits:.1f}x",
            digits >= TARGETS["lbfgs on digits"],
        )
    )
    return verdicts


def print_report(rows, verdicts, environment, args):
    print(
        f"{environment['date']}; {environment['cpu']} ({environment['cpus']} CPUs); load "
        f"average {environment['load_before']} before, {environment['load_after']} after; "
        f"{args.threads} BLAS thread(s); {args.rounds} rounds; per epoch: {args.epochs} epochs"
    )
    print(
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, numpy "
        f"{np.__version__}, scipy {scipy.__version__}, fcnn {fcnn.__version__} (core "
        f"{environment['core']})"
    )
    for lib in environment["blas"] or []:
        print("  " + ", ".join(f"{k} {v}" for k, v in lib.items()))
    print()
    print(
        "Seconds per fit (defaults) or milliseconds per epoch (per epoch), medians; "
        "sklearn/fcnn is the median of the per-round ratios. Relative difference: the "
        "largest over coefs_ and intercepts_ of max |a - b| / max |b|, after the timed fit "
        f"and after {CHECK_EPOCHS['sgd']} epochs ({CHECK_EPOCHS['lbfgs']} lbfgs iterations); "
        f"bold: above {TOLERANCE:g}, or n_iter_ differs. GEMM roofline (per epoch only): "
        "the time of the step's matrix products alone (benchmarks/peers/roofline.py), and "
        "sklearn over it, the highest ratio a system doing those products could reach."
    )
    print()
    print(
        "| data set | setting | solver | n_iter_ | sklearn | fcnn | sklearn/fcnn | "
        "GEMM roofline | sklearn/roofline | rel. diff | rel. diff, short fit |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(table_row(row, args.epochs))
    print()
    print("| target (issue 20) | measured | met |")
    print("|---|---|---|")
    for target, measured, met in verdicts:
        print(f"| {target} | {measured} | {'yes' if met else 'no'} |")


def main():
    args = parse_args()
    loaded = load_datasets(args.samples)
    limit = (
        threadpoolctl.threadpool_limits(args.threads) if threadpoolctl else contextlib.nullcontext()
    )
    environment = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%a %b %d %H:%M:%S UTC %Y"),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "load_before": load_average(),
        "core": f"{fcnn._compiled.core.__name__}, {fcnn._compiled.core.INSTRUCTIONS}",
    }
    rows = []
    with limit, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        environment["blas"] = blas_info()
        warm_up(*loaded["iris"][:2])
        for data, (X, y, regression) in loaded.items():
            for setting, solver, parameters in configurations(args.epochs):
                result = measure(X, y, regression, parameters, args.rounds)
                rows.append({"data": data, "setting": setting, "solver": solver, "result": result})
                print(
                    f"[{time.strftime('%H:%M:%S')}] {data}, {setting}, {solver}: "
                    f"{result['ratio']:.1f}x",
                    file=sys.stderr,
                    flush=True,
                )
    environment["load_after"] = load_average()
    verdicts = acceptance(rows)
    print_report(rows, verdicts, environment, args)
    if args.json:
        figures = {
            "environment": environment,
            "args": vars(args),
            "rows": rows,
            "acceptance": [{"target": t, "measured": m, "met": ok} for t, m, ok in verdicts],
        }
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
