"""Peak memory of one training epoch, run as its own process by benchmarks/run.py:

    python benchmarks/peers/memory_probe.py SYSTEM CONFIG --data PATH --n N --threads T

Loads the first N MNIST training images (float32 or float64 as the configuration says),
builds the system's network, trains one epoch, and prints one JSON line:

  ru_maxrss_bytes        resource.getrusage(RUSAGE_SELF).ru_maxrss of the whole process
                         (the larger of the peak while loading/building and the peak while
                         training), in bytes
  rss_after_imports      VmRSS once the libraries are imported
  rss_loaded             VmRSS just after the data is loaded and the network built
  peak_training          the peak RSS during the epoch (the peak is reset through
                         /proc/self/clear_refs just before it, when the kernel allows)
  beyond_data            peak_training - rss_loaded: what the training epoch allocates
                         beyond the data and the network
  data_bytes             X.nbytes + y.nbytes

run.py starts this through `sh -c '...; exit $?'`: a process exec'd straight from a big
parent inherits the parent's peak in ru_maxrss (the kernel keeps the old memory map's high
water mark across exec), so the child is started from a small shell instead.
"""

import argparse
import gc
import json
import os
import resource
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), os.path.dirname(os.path.dirname(HERE))]


def vm(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def maxrss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["fcnn", "torch", "sklearn", "numpy"])
    parser.add_argument("config")
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    from fcnn.datasets import load_mnist
    from peers.configs import CONFIGS
    from peers.fcnn_mlp import FcnnMLP

    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    spec = CONFIGS[args.config]["spec"]
    if args.system == "torch":
        from peers.torch_mlp import TorchMLP
    elif args.system == "sklearn":
        from peers.sklearn_mlp import SklearnMLP
    elif args.system == "numpy":
        from peers.numpy_mlp import NumpyMLP
    limit = threadpoolctl.threadpool_limits(args.threads) if threadpoolctl else None
    gc.collect()
    rss_after_imports = vm("VmRSS")

    X_all, y_all = load_mnist(args.data, "train", dtype=spec.dtype)
    X, y = X_all[: args.n].copy(), y_all[: args.n].copy()
    del X_all, y_all
    gc.collect()
    fcnn_system = FcnnMLP(spec, seed=0)
    if args.system == "fcnn":
        system = fcnn_system
    elif args.system == "torch":
        system = TorchMLP(spec, fcnn_system.initial_parameters(), args.threads)
    elif args.system == "sklearn":
        system = SklearnMLP(spec)
    else:
        system = NumpyMLP(spec, fcnn_system.initial_parameters())
    if system is not fcnn_system:
        del fcnn_system
    gc.collect()
    rss_loaded = vm("VmRSS")
    peak_loading = maxrss()
    was_reset = reset_peak()
    result = system.epoch(X, y, seed=1)
    peak_training = vm("VmHWM") if was_reset else maxrss()
    if limit is not None:
        limit.restore_original_limits()
    print(
        json.dumps(
            {
                "system": args.system,
                "config": args.config,
                "n": args.n,
                "threads": args.threads,
                "ru_maxrss_bytes": max(peak_loading, maxrss()),
                "peak_loading": peak_loading,
                "rss_after_imports": rss_after_imports,
                "rss_loaded": rss_loaded,
                "peak_training": peak_training,
                "peak_reset": was_reset,
                "beyond_data": peak_training - rss_loaded,
                "data_bytes": int(X.nbytes + y.nbytes),
                "epoch_seconds": result["seconds"],
            }
        )
    )


if __name__ == "__main__":
    main()
