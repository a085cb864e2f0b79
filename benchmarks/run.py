"""fcnn against PyTorch, scikit-learn, plain NumPy and the GEMM roofline, side by side.

One entry point for every configuration (see benchmarks/peers/configs.py and
benchmarks/README.md). For each configuration and thread count, every system trains on the
same data, in the same dtype, with the same batch size, learning rate and thread count:

  fcnn      Network(sizes, activations, cost, dtype, seed=0).fit(X, y, epochs=1, ...)
            per epoch; samples/s from the wall time around fit (the main figure: what a
            user gets) and from history.seconds[0] (the core's epoch alone, in the JSON)
  torch     nn.Sequential of nn.Linear + activations, torch.optim.SGD, a plain loop over
            the batches of the epoch's shuffled copy of the data tensors (shuffle timed)
  sklearn   MLPClassifier(solver="sgd", momentum=0, alpha=0), one partial_fit per epoch;
            its output layer is softmax (logistic for one output) with log-loss always
  numpy     fcnn.reference.sgd_epoch, the same algorithm in vectorized NumPy (shuffle timed)
  roofline  the step's GEMMs alone at the speed scipy's BLAS reaches for those shapes
            (benchmarks/peers/roofline.py): "compiled" is a Cython loop of cython_blas
            calls, "python" the same calls through scipy.linalg.blas from Python; "%
            roofline" refers to the faster of the two medians (normally the compiled one;
            the python loop only adds call overhead)

Each system runs one untimed warm-up epoch; then the timed epochs go round-robin (one
epoch of each system in turn) so that machine noise hits all alike. Reported: median, min
and max samples/s, the ratio of medians fcnn/peer, and each system's median as a percent
of the roofline's. After training, each system's accuracy is measured (MNIST test set,
the XOR rows, or held-out synthetic rows) as a check that it really trained.

Also: inference (single-sample latency and 10,000-row batch throughput, A and C) and peak
memory of a training epoch of C (one subprocess per system).

Run from the repository root, with fcnn installed (pip install .) or built in place
(pip install -e .; the checkout's fcnn comes first here when it is built):

    python benchmarks/run.py [--quick] [--configs A,B,...] [--json PATH]
        [--markdown PATH] [--data PATH] [--epochs N]

--configs takes names from A B C D E F, "inference" and "memory" (default: all).
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
if REPO_ROOT not in sys.path:
    sys.path.insert(1, REPO_ROOT)

from peers import roofline as roofline_mod  # noqa: E402
from peers.common import accuracy, blas_info  # noqa: E402
from peers.configs import CONFIGS, describe  # noqa: E402
from peers.fcnn_mlp import FcnnMLP  # noqa: E402
from peers.numpy_mlp import NumpyMLP  # noqa: E402

import fcnn  # noqa: E402
from fcnn.datasets import load_mnist  # noqa: E402

NOTES = []  # printed once: skipped peers and the like


def optional(module, what):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as error:
        NOTES.append(f"{what} skipped: {error}")
        print(f"note: {what} skipped ({error})", file=sys.stderr)
        return None


torch_mlp = optional("peers.torch_mlp", "PyTorch (pip install torch)")
sklearn_mlp = optional("peers.sklearn_mlp", "scikit-learn (pip install scikit-learn)")
threadpoolctl = optional(
    "threadpoolctl",
    "threadpoolctl (pip install threadpoolctl; without "
    "it the BLAS threads are neither limited nor "
    "reported)",
)

SHARED_MNIST = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "mnist"))
BUNDLED_SAMPLE = os.path.join(os.path.dirname(fcnn.__file__), "data")
DEFAULT_JSON = os.path.join(HERE, "results", "latest.json")
ALL_PARTS = list(CONFIGS) + ["inference", "memory"]
INFERENCE_CONFIGS = ["A", "C"]
INFERENCE_ROWS = 10_000
SETTLE_SECONDS = 0.3  # see settle()
MEMORY_CONFIG = "C"
FEW_MB = 5 * 2**20  # "the data plus a few MB"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: fewer rows and epochs (under ~2 minutes)"
    )
    parser.add_argument(
        "--configs",
        default=",".join(ALL_PARTS),
        help=f"comma-separated, from {','.join(ALL_PARTS)}",
    )
    parser.add_argument("--epochs", type=int, help="timed epochs per system (overrides)")
    parser.add_argument(
        "--data",
        help="folder of the MNIST IDX files; default: ../shared/data/mnist beside the "
        "repository where it exists, else the sample bundled with fcnn",
    )
    parser.add_argument(
        "--json",
        default=DEFAULT_JSON,
        metavar="PATH",
        help="machine-readable results (default benchmarks/results/latest.json)",
    )
    parser.add_argument("--markdown", metavar="PATH", help="also write the report here")
    args = parser.parse_args()
    args.parts = [p.strip() for p in args.configs.split(",") if p.strip()]
    unknown = [p for p in args.parts if p not in ALL_PARTS]
    if unknown:
        parser.error(f"unknown configs {unknown}; choose from {ALL_PARTS}")
    if args.epochs is not None and args.epochs < 1:
        parser.error("--epochs must be at least 1")
    return args


def progress(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- environment


def thread_limit(threads):
    if threadpoolctl is None:
        return contextlib.nullcontext()
    return threadpoolctl.threadpool_limits(limits=threads)


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def torch_info():
    if torch_mlp is None:
        return None
    import torch

    config = torch.__config__.show()
    blas = [
        line.strip()
        for line in config.replace(",", "\n").splitlines()
        if "BLAS_INFO" in line
        or "LAPACK_INFO" in line
        or "CPU capability" in line
        or "USE_MKLDNN" in line
        or "USE_OPENMP" in line
    ]
    parallel = [
        line.strip()
        for line in torch.__config__.parallel_info().splitlines()
        if "Math Kernel Library" in line or "MKL-DNN" in line or "backend" in line
    ]
    return {
        "version": torch.__version__,
        "blas": blas,
        "parallel": parallel,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def environment():
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%a %b %d %H:%M:%S UTC %Y"),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "torch": torch_info(),
        "sklearn": sklearn_mlp.version() if sklearn_mlp else None,
        "threadpoolctl": threadpoolctl.__version__ if threadpoolctl else None,
        "env": {
            name: os.environ.get(name)
            for name in (
                "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE",
                "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS",
                "MKL_NUM_THREADS",
            )
        },
        "roofline_compiled": roofline_mod.compiled_module() is not None,
        "roofline_compiled_error": roofline_mod.compiled_error(),
        "fcnn_core": {
            "module": fcnn._compiled.core.__name__,
            "instructions": fcnn._compiled.core.INSTRUCTIONS,
            "FCNN_CORE": os.environ.get("FCNN_CORE"),
        },
    }


# ---------------------------------------------------------------- data


class Data:
    """Datasets made once: MNIST (float64 and float32), XOR tiled, synthetic tabular."""

    def __init__(self, path):
        self.path = path
        self._cache = {}

    def mnist(self, dtype):
        key = ("mnist", dtype)
        if key not in self._cache:
            if ("mnist", "float64") not in self._cache:
                progress(f"loading MNIST from {self.path}")
                X, y = load_mnist(self.path, "train")
                Xt, yt = load_mnist(self.path, "test")
                self._cache[("mnist", "float64")] = (X, y, Xt, yt)
            X, y, Xt, yt = self._cache[("mnist", "float64")]
            self._cache[key] = (X.astype(dtype), y, Xt.astype(dtype), yt)
        return self._cache[key]

    def get(self, kind, n, dtype):
        """(X, y) training rows and (X_check, y_check) for the accuracy check."""
        if kind == "mnist":
            X, y, Xt, yt = self.mnist(dtype)
            return X[:n], y[:n], Xt, yt
        if kind == "xor":
            X4, y4 = fcnn.datasets.xor()
            reps = -(-n // 4)
            X = np.ascontiguousarray(np.tile(X4, (reps, 1))[:n], dtype=dtype)
            y = np.tile(y4, reps)[:n]
            return X, y, X4.astype(dtype), y4
        if kind == "tabular":
            rng = np.random.default_rng(12345)
            teacher = rng.standard_normal((64, 10))
            X = rng.standard_normal((n + 10_000, 64))
            y = (X @ teacher).argmax(axis=1)
            X = X.astype(dtype)
            return X[:n], y[:n], X[n:], y[n:]
        raise ValueError(kind)


# ---------------------------------------------------------------- statistics


def summary(rates):
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}


def make_systems(spec, threads):
    fc = FcnnMLP(spec, seed=0)
    init = fc.initial_parameters()
    systems = [fc]
    if torch_mlp:
        systems.append(torch_mlp.TorchMLP(spec, init, threads))
    if sklearn_mlp:
        systems.append(sklearn_mlp.SklearnMLP(spec, seed=0))
    systems.append(NumpyMLP(spec, init))
    return systems


def make_rooflines(spec, batch_size=None):
    batch_size = batch_size or spec.batch_size
    rooflines = []
    if roofline_mod.compiled_module() is not None:
        rooflines.append(roofline_mod.GemmRoofline(spec.sizes, batch_size, spec.dtype, "compiled"))
    rooflines.append(roofline_mod.GemmRoofline(spec.sizes, batch_size, spec.dtype, "python"))
    return rooflines


# ---------------------------------------------------------------- training


def settle(threads):
    """Before a timed epoch on more than one thread, let the worker threads of the
    previous system's libraries go to sleep: OpenBLAS's (numpy's and scipy's are two
    pools) and OpenMP's spin for a while after their last call, and spinning on the
    second core halves the speed of the next system's 2-thread products."""
    if threads > 1:
        time.sleep(SETTLE_SECONDS)


def train_config(name, threads, data, args):
    cfg = CONFIGS[name]
    spec = cfg["spec"]
    n = cfg["quick_n"] if args.quick else cfg["n"]
    epochs = args.epochs or (cfg["quick_epochs"] if args.quick else cfg["epochs"])
    X, y, Xc, yc = data.get(cfg["data"], n, spec.dtype)
    n = X.shape[0]
    label = f"{name} ({threads} thread{'s' if threads > 1 else ''})"
    progress(f"{label}: {describe(spec)}; {n:,} rows, 1 warm-up + {epochs} timed epochs")
    warm_rows = min(n, cfg.get("warmup_n") or n)
    systems = make_systems(spec, threads) + make_rooflines(spec)
    records = {s.name: [] for s in systems}
    with thread_limit(threads):
        blas = blas_info()
        for s in systems:
            s.epoch(X[:warm_rows], y[:warm_rows], seed=0)
        for epoch in range(1, epochs + 1):
            for s in systems:
                settle(threads)
                records[s.name].append(s.epoch(X, y, seed=epoch))
            progress(
                f"{label}: epoch {epoch}/{epochs}: "
                + ", ".join(f"{k} {n / r[-1]['seconds']:,.0f}/s" for k, r in records.items())
            )
        checks = {}
        for s in systems:
            if hasattr(s, "predict"):
                checks[s.name] = accuracy(s.predict(Xc), yc)

    results = {}
    for s in systems:
        rows = records[s.name]
        rates = [n / r["seconds"] for r in rows]
        entry = {
            "seconds": [r["seconds"] for r in rows],
            "samples_per_second": rates,
            **summary(rates),
        }
        if "core_seconds" in rows[0]:
            core = [n / r["core_seconds"] for r in rows]
            entry["core"] = {
                "seconds": [r["core_seconds"] for r in rows],
                "samples_per_second": core,
                **summary(core),
            }
        if "cost" in rows[-1]:
            entry["final_cost"] = rows[-1]["cost"]
        if s.name in checks:
            entry["accuracy"] = checks[s.name]
        if hasattr(s, "describe"):
            entry["roofline"] = s.describe()
        results[s.name] = entry
    reference = roofline_reference(results)
    fcnn_median = results["fcnn"]["median"]
    for entry in results.values():
        entry["fcnn_over_peer"] = fcnn_median / entry["median"]
        entry["percent_roofline"] = (
            100 * entry["median"] / results[reference]["median"] if reference else None
        )
        if "core" in entry and reference:
            entry["core"]["percent_roofline"] = (
                100 * entry["core"]["median"] / results[reference]["median"]
            )
    notes = []
    if sklearn_mlp and "sklearn" in results:
        note = next(s for s in systems if s.name == "sklearn").output_note
        if note:
            notes.append(note)
    return {
        "config": name,
        "label": label,
        "threads": threads,
        "description": describe(spec),
        "spec": vars(spec),
        "n_train": n,
        "epochs": epochs,
        "warmup_rows": warm_rows,
        "data": cfg["data"],
        "check": check_description(cfg["data"], Xc.shape[0]),
        "blas": blas,
        "systems": results,
        "roofline_reference": reference,
        "notes": notes,
    }


def roofline_reference(results):
    """The faster of the two roofline loops (the same products; the python loop only adds
    call overhead, so when it comes out faster, that is machine noise hitting the
    compiled loop's epochs)."""
    keys = [k for k in ("roofline (compiled)", "roofline (python)") if k in results]
    return max(keys, key=lambda k: results[k]["median"]) if keys else None


def check_description(kind, rows):
    return {
        "mnist": f"accuracy on the {rows:,} MNIST test images",
        "xor": "accuracy on the 4 XOR rows",
        "tabular": f"accuracy on {rows:,} held-out rows of the same teacher",
    }[kind]


# ---------------------------------------------------------------- inference


def inference_config(name, threads, data, args):
    cfg = CONFIGS[name]
    spec = cfg["spec"]
    _, _, Xt, _ = data.mnist(spec.dtype)
    Xb = np.ascontiguousarray(Xt[:INFERENCE_ROWS])
    label = f"{name} ({threads} thread{'s' if threads > 1 else ''})"
    progress(f"inference {label}: single-sample latency and {Xb.shape[0]:,}-row batches")
    systems = make_systems(spec, threads)
    for s in systems:
        if s.name == "sklearn":  # sklearn needs one fit to have a network at all
            with thread_limit(threads):
                s.epoch(Xt[:1000], data.mnist(spec.dtype)[3][:1000], seed=0)
    compiled = roofline_mod.compiled_module() is not None
    roof = roofline_mod.GemmRoofline(
        spec.sizes, INFERENCE_ROWS, spec.dtype, "compiled" if compiled else "python"
    )
    blocks, calls = (30, 50) if args.quick else (100, 100)
    rounds = 3 if args.quick else 15
    n_params = sum(n_out * (n_in + 1) for n_in, n_out in zip(spec.sizes, spec.sizes[1:]))
    chunk = fcnn.network._chunk_rows(spec.sizes, n_params)  # the rows fcnn's predict uses
    with thread_limit(threads):
        # single-sample latency: blocks of `calls` calls, systems interleaved by block
        prepared = {s.name: s.prepare_one(Xb[0]) for s in systems}
        for s in systems:
            for _ in range(calls):
                s.predict_one(prepared[s.name])
        roof.forward(calls, chunk=1)
        one_row = f"{roof.name}, 1-row GEMMs"
        latency = {s.name: [] for s in systems}
        latency[one_row] = []
        for _ in range(blocks):
            for s in systems:
                one, x = s.predict_one, prepared[s.name]
                started = time.perf_counter()
                for _ in range(calls):
                    one(x)
                latency[s.name].append((time.perf_counter() - started) / calls)
            latency[one_row].append(roof.forward(calls, chunk=1) / calls)
        # batch throughput
        for s in systems:
            s.predict(Xb)
        roof.forward(Xb.shape[0])
        roof.forward_streamed(Xb.shape[0], chunk)
        whole_name = f"{roof.name}, {Xb.shape[0]:,}-row GEMMs"
        chunk_name = f"{roof.name}, {chunk}-row chunks"
        batch = {s.name: [] for s in systems}
        batch[whole_name] = []
        batch[chunk_name] = []
        for _ in range(rounds):
            for s in systems:
                settle(threads)
                started = time.perf_counter()
                s.predict(Xb)
                batch[s.name].append(time.perf_counter() - started)
            settle(threads)
            batch[whole_name].append(roof.forward(Xb.shape[0]))
            settle(threads)
            batch[chunk_name].append(roof.forward_streamed(Xb.shape[0], chunk))
    # latency: seconds per call (lower is better); batch: samples/s
    lat = {
        k: {"seconds_per_call": v, "median": statistics.median(v), "min": min(v), "max": max(v)}
        for k, v in latency.items()
    }
    for entry in lat.values():
        entry["fcnn_over_peer"] = entry["median"] / lat["fcnn"]["median"]  # speed ratio
        entry["percent_roofline"] = 100 * lat[one_row]["median"] / entry["median"]
    thr = {}
    for k, v in batch.items():
        rates = [Xb.shape[0] / s for s in v]
        thr[k] = {"seconds": v, "samples_per_second": rates, **summary(rates)}
    best_roof = max((whole_name, chunk_name), key=lambda k: thr[k]["median"])
    for entry in thr.values():
        entry["fcnn_over_peer"] = thr["fcnn"]["median"] / entry["median"]
        entry["percent_roofline"] = 100 * entry["median"] / thr[best_roof]["median"]
    return {
        "config": name,
        "label": label,
        "threads": threads,
        "description": describe(spec),
        "rows": Xb.shape[0],
        "latency": lat,
        "batch": thr,
        "batch_roofline_reference": best_roof,
        "latency_note": "median over blocks of calls of the mean seconds per call; "
        "fcnn/peer is peer latency / fcnn latency",
    }


# ---------------------------------------------------------------- memory


def memory(data, args):
    spec = CONFIGS[MEMORY_CONFIG]["spec"]
    n = CONFIGS[MEMORY_CONFIG]["quick_n" if args.quick else "n"]
    probe = os.path.join(HERE, "peers", "memory_probe.py")
    names = (
        ["fcnn"]
        + (["torch"] if torch_mlp else [])
        + (["sklearn"] if sklearn_mlp else [])
        + ["numpy"]
    )
    results = {}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [HERE, REPO_ROOT] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    for name in names:
        progress(f"memory {MEMORY_CONFIG}: {name}, one epoch on {n:,} rows in a subprocess")
        command = [
            sys.executable,
            probe,
            name,
            MEMORY_CONFIG,
            "--data",
            args.data,
            "--n",
            str(n),
            "--threads",
            "1",
        ]
        # through a small shell (not exec'd): see memory_probe.py on ru_maxrss
        shell = " ".join(shlex.quote(c) for c in command) + "; exit $?"
        done = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            results[name] = {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
            progress(f"memory {name} failed: {done.stderr.strip()[-500:]}")
            continue
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "config": MEMORY_CONFIG,
        "description": describe(spec),
        "n_train": n,
        "threads": 1,
        "systems": results,
    }


# ---------------------------------------------------------------- targets


def targets(report):
    """The performance targets and whether fcnn meets them (wall-time figures; core in
    brackets)."""
    rows = []
    by_label = {c["label"]: c for c in report["training"]}

    def roof_target(label, percent):
        c = by_label.get(label)
        if c is None or c["systems"]["fcnn"]["percent_roofline"] is None:
            return
        f = c["systems"]["fcnn"]
        rows.append(
            {
                "target": f"{label}: at least {percent}% of roofline",
                "measured": f"{f['percent_roofline']:.0f}% "
                f"(core {f['core']['percent_roofline']:.0f}%)",
                "met": f["percent_roofline"] >= percent,
                "met_core": f["core"]["percent_roofline"] >= percent,
            }
        )

    roof_target("A (1 thread)", 75)
    roof_target("B (1 thread)", 75)
    roof_target("C (1 thread)", 90)
    roof_target("C (2 threads)", 90)
    roof_target("D (2 threads)", 90)
    if "E (1 thread)" in by_label:
        f = by_label["E (1 thread)"]["systems"]["fcnn"]
        rows.append(
            {
                "target": "E: at least 1,000,000 samples/s",
                "measured": f"{f['median']:,.0f} (core {f['core']['median']:,.0f})",
                "met": f["median"] >= 1e6,
                "met_core": f["core"]["median"] >= 1e6,
            }
        )
    roof_target("F (1 thread)", 50)
    for inf in report["inference"]:
        if inf["config"] == "A":
            lat = inf["latency"]["fcnn"]["median"]
            rows.append(
                {
                    "target": f"{inf['label']}: single-sample predict under 5 us",
                    "measured": f"{lat * 1e6:.2f} us",
                    "met": lat < 5e-6,
                }
            )
        f = inf["batch"]["fcnn"]
        rows.append(
            {
                "target": f"{inf['label']}: {inf['rows']:,}-row batch predict within "
                f"10% of the GEMM roofline",
                "measured": f"{f['percent_roofline']:.0f}% of roofline",
                "met": f["percent_roofline"] >= 90,
            }
        )
    mem = report.get("memory")
    if mem and "beyond_data" in mem["systems"].get("fcnn", {}):
        f = mem["systems"]["fcnn"]
        rows.append(
            {
                "target": f"{mem['config']}: training peak within the data plus a few "
                f"MB (taken as: the epoch adds at most {FEW_MB / 2**20:.0f} MiB)",
                "measured": f"epoch peak {mib(f['peak_training'])} MiB = "
                f"{mib(f['rss_loaded'])} MiB after loading {mib(f['data_bytes'])}"
                f" MiB of data and building the network + "
                f"{mib(f['beyond_data'])} MiB; the process's ru_maxrss "
                f"{mib(f['ru_maxrss_bytes'])} MiB",
                "met": f["beyond_data"] <= FEW_MB,
            }
        )
    return rows


# ---------------------------------------------------------------- report


def mib(value):
    return f"{value / 2**20:,.1f}"


def fmt_rate(value):
    return f"{value:,.0f}"


def fmt_ratio(value):
    return f"{value:.2f}x"


def fmt_percent(value):
    return "" if value is None else f"{value:.1f}%"


def blas_lines(libs):
    lines = []
    for lib in libs or []:
        if lib["user_api"] == "blas":
            lines.append(
                f"{lib['internal_api']} {lib['version']}, {lib['architecture']}, "
                f"{lib['num_threads']} thread(s), `{shorten(lib['filepath'])}`"
            )
        else:
            lines.append(
                f"{lib['internal_api']} ({lib['user_api']}), {lib['num_threads']} "
                f"thread(s), `{shorten(lib['filepath'])}`"
            )
    return lines


def shorten(path):
    marker = "site-packages" + os.sep
    return path.split(marker, 1)[1] if marker in path else path


def diverged(entry):
    cost = entry.get("final_cost")
    if cost is not None and not np.isfinite(cost):
        return " (diverged: its cost became non-finite, so its speed is that of NaN arithmetic)"
    return ""


def core_text(env):
    core = env["fcnn_core"]
    chosen = f"FCNN_CORE={core['FCNN_CORE']}" if core["FCNN_CORE"] else "chosen for this CPU"
    return f"{core['module']}, built for {core['instructions'].upper()}, {chosen}"


def markdown(report):
    env = report["environment"]
    out = []
    add = out.append
    add(
        f"{env['date']}; CPU: {env['cpu']} ({env['cpus']} CPUs); Python {env['python']}, "
        f"numpy {env['numpy']}, scipy {env['scipy']}, torch "
        f"{env['torch']['version'] if env['torch'] else 'absent'}, scikit-learn "
        f"{env['sklearn'] or 'absent'}; fcnn {report['fcnn_version']}"
        f"{'; --quick' if report['quick'] else ''}."
    )
    add("")
    openblas_env = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    other_env = [
        f"{k}={v}" for k, v in env["env"].items() if v is not None and k not in openblas_env
    ]
    add(
        "Environment: "
        + ", ".join(
            f"{k}={'unset' if env['env'][k] is None else env['env'][k]}" for k in openblas_env
        )
        + (f"; also set: {', '.join(other_env)}" if other_env else "")
        + "."
    )
    add("")
    seen = {}
    for c in report["training"]:
        seen.setdefault(c["threads"], c["blas"])
    for threads, libs in sorted(seen.items()):
        if libs is None:
            continue
        add(
            f"Libraries under a {threads}-thread limit (threadpoolctl): fcnn's core "
            f"({core_text(env)}) calls scipy's BLAS through scipy.linalg.cython_blas; the "
            f"numpy and sklearn peers use numpy's:"
        )
        add("")
        for line in blas_lines(libs):
            add(f"- {line}")
        add("")
    if env["torch"]:
        add(
            f"PyTorch: {'; '.join(env['torch']['blas'] + env['torch']['parallel'])}; CPU "
            f"capability {env['torch']['cpu_capability']}; torch.set_num_threads(T) per row."
        )
        add("")
    if not env["roofline_compiled"]:
        add(
            f"Compiled roofline unavailable ({env['roofline_compiled_error']}); % roofline "
            f"refers to the Python loop of scipy.linalg.blas calls."
        )
        add("")
    if report["training"]:
        add("Configurations (one warm-up epoch per system, then the timed epochs round-robin):")
        add("")
        for c in report["training"]:
            warm = (
                ""
                if c["warmup_rows"] == c["n_train"]
                else f" (the warm-up epoch on the first {c['warmup_rows']:,} rows)"
            )
            add(
                f"- {c['label']}: {c['description']}; {c['n_train']:,} rows "
                f"({c['data']}), {c['epochs']} timed epochs{warm}"
            )
        add("")
        add("| config | system | median samples/s | min | max | fcnn/peer | % roofline |")
        add("|---|---|---:|---:|---:|---:|---:|")
        for c in report["training"]:
            for key, e in c["systems"].items():
                add(
                    f"| {c['label']} | {key} | {fmt_rate(e['median'])} | {fmt_rate(e['min'])} | "
                    f"{fmt_rate(e['max'])} | {fmt_ratio(e['fcnn_over_peer'])} | "
                    f"{fmt_percent(e['percent_roofline'])} |"
                )
        add("")
        add(
            "fcnn's figure is the wall time around `fit`; the core's own epoch time "
            "(`history.seconds`) gives:"
        )
        add("")
        for c in report["training"]:
            f = c["systems"]["fcnn"]
            core = f["core"]
            overhead = statistics.median(w - k for w, k in zip(f["seconds"], core["seconds"]))
            add(
                f"- {c['label']}: core median {fmt_rate(core['median'])} samples/s "
                f"({fmt_percent(core.get('percent_roofline'))} of roofline); wall - core "
                f"{overhead * 1e3:.1f} ms per fit call (median)"
            )
        add("")
        add("Check that every system trained (after the warm-up and timed epochs):")
        add("")
        for c in report["training"]:
            accs = ", ".join(
                f"{k} {e['accuracy']:.4f}" + diverged(e)
                for k, e in c["systems"].items()
                if "accuracy" in e
            )
            add(f"- {c['label']}, {c['check']}: {accs}")
        notes = sorted({note for c in report["training"] for note in c["notes"]})
        for note in notes:
            configs = sorted({c["config"] for c in report["training"] if note in c["notes"]})
            add(f"- note: {note} (configs {', '.join(configs)})")
        add("")
    if report["inference"]:
        add(
            "Inference (fresh networks; latency: one 1-D sample per call, median over blocks "
            "of calls; batch: the first 10,000 MNIST test images per call). For latency "
            "fcnn/peer is peer time / fcnn time and % roofline is roofline time / system "
            "time; the latency roofline is the forward GEMMs of one row, the batch roofline "
            "the faster of one GEMM per layer and chunks of the rows fcnn's predict uses "
            "(each chunk's product reading its own rows of the input):"
        )
        add("")
        add("| config | measure | system | median | min | max | fcnn/peer | % roofline |")
        add("|---|---|---|---:|---:|---:|---:|---:|")
        for inf in report["inference"]:
            for key, e in inf["latency"].items():
                add(
                    f"| {inf['label']} | latency (us) | {key} | {e['median'] * 1e6:.2f} | "
                    f"{e['min'] * 1e6:.2f} | {e['max'] * 1e6:.2f} | "
                    f"{fmt_ratio(e['fcnn_over_peer'])} | {fmt_percent(e['percent_roofline'])} |"
                )
            for key, e in inf["batch"].items():
                add(
                    f"| {inf['label']} | batch samples/s | {key} | {fmt_rate(e['median'])} | "
                    f"{fmt_rate(e['min'])} | {fmt_rate(e['max'])} | "
                    f"{fmt_ratio(e['fcnn_over_peer'])} | {fmt_percent(e['percent_roofline'])} |"
                )
        add("")
    mem = report.get("memory")
    if mem:
        add(
            f"Peak memory of one training epoch of {mem['config']} ({mem['description']}, "
            f"{mem['n_train']:,} rows, 1 thread), one subprocess per system; `ru_maxrss` is "
            f"the whole process (imports, loading, training); 'epoch peak - loaded' is what "
            f"the epoch adds to the RSS measured after the data was loaded and the network "
            f"built. The torch loop's shuffled copy of the data tensors is part of its epoch; "
            f"ru_maxrss is reached while fcnn.datasets.load_mnist reads the images, "
            f"not in training:"
        )
        add("")
        add(
            "| system | ru_maxrss MiB | RSS after imports MiB | RSS loaded MiB | "
            "epoch peak - loaded MiB | data MiB |"
        )
        add("|---|---:|---:|---:|---:|---:|")
        for key, e in mem["systems"].items():
            if "error" in e:
                add(f"| {key} | failed: {e['error']} | | | | |")
                continue
            add(
                f"| {key} | {mib(e['ru_maxrss_bytes'])} | {mib(e['rss_after_imports'])} | "
                f"{mib(e['rss_loaded'])} | {mib(e['beyond_data'])} | {mib(e['data_bytes'])} |"
            )
        add("")
    if report["targets"]:
        add("Targets (fcnn's wall-time figure; core-only in brackets):")
        add("")
        add("| target | measured | met |")
        add("|---|---|---|")
        for t in report["targets"]:
            met = "yes" if t["met"] else "no"
            if "met_core" in t and t["met_core"] != t["met"]:
                met += f" (core: {'yes' if t['met_core'] else 'no'})"
            add(f"| {t['target']} | {t['measured']} | {met} |")
        add("")
    for note in NOTES:
        add(f"Note: {note}")
    return "\n".join(out).rstrip() + "\n"


def main():
    args = parse_args()
    if args.data is None:
        args.data = SHARED_MNIST if os.path.isdir(SHARED_MNIST) else BUNDLED_SAMPLE
        if args.data == BUNDLED_SAMPLE:
            progress(f"no MNIST at {SHARED_MNIST}: using the sample bundled with fcnn")
    started = time.perf_counter()
    data = Data(args.data)
    report = {
        "quick": args.quick,
        "fcnn_version": getattr(fcnn, "__version__", "unknown"),
        "environment": environment(),
        "training": [],
        "inference": [],
        "memory": None,
        "notes": NOTES,
    }
    for name in CONFIGS:
        if name in args.parts:
            for threads in CONFIGS[name]["threads"]:
                report["training"].append(train_config(name, threads, data, args))
    if "inference" in args.parts:
        for name in INFERENCE_CONFIGS:
            for threads in CONFIGS[name]["threads"]:
                report["inference"].append(inference_config(name, threads, data, args))
    if "memory" in args.parts:
        report["memory"] = memory(data, args)
    report["targets"] = targets(report)
    report["seconds"] = time.perf_counter() - started
    text = markdown(report)
    print(text)
    print(f"(run took {report['seconds']:.0f} s)")
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(text)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1, default=float)


if __name__ == "__main__":
    main()
