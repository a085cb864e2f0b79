"""The configurations of benchmarks/run.py.

n / quick_n       training rows (quick: with --quick)
epochs / quick_epochs   timed epochs per system, after one warm-up epoch each
threads           one table row per thread count
warmup_n          rows of the untimed warm-up epoch (default: all; E's slow peers at batch
                  1 would otherwise spend minutes warming up)
"""

from .common import Spec

CONFIGS = {
    "A": dict(
        spec=Spec("A", [784, 30, 10], "sigmoid", "sigmoid", "quadratic", 10, "float64", 3.0),
        data="mnist",
        n=50_000,
        quick_n=10_000,
        epochs=5,
        quick_epochs=2,
        threads=[1],
    ),
    "B": dict(
        spec=Spec("B", [784, 100, 10], "sigmoid", "softmax", "log_likelihood", 10, "float64", 0.5),
        data="mnist",
        n=50_000,
        quick_n=10_000,
        epochs=5,
        quick_epochs=2,
        threads=[1],
    ),
    "C": dict(
        spec=Spec(
            "C", [784, 512, 512, 10], "relu", "softmax", "log_likelihood", 128, "float32", 0.05
        ),
        data="mnist",
        n=50_000,
        quick_n=10_000,
        epochs=3,
        quick_epochs=2,
        threads=[1, 2],
    ),
    "D": dict(
        spec=Spec(
            "D",
            [784, 1024, 1024, 1024, 10],
            "relu",
            "softmax",
            "log_likelihood",
            256,
            "float32",
            0.05,
        ),
        data="mnist",
        n=20_000,
        quick_n=5_000,
        epochs=3,
        quick_epochs=2,
        threads=[2],
    ),
    "E": dict(
        spec=Spec("E", [2, 2, 1], "sigmoid", "sigmoid", "quadratic", 1, "float64", 0.5),
        data="xor",
        n=100_000,
        quick_n=10_000,
        epochs=2,
        quick_epochs=2,
        threads=[1],
        warmup_n=20_000,
    ),
    "F": dict(
        spec=Spec("F", [64, 32, 10], "relu", "softmax", "log_likelihood", 32, "float32", 0.1),
        data="tabular",
        n=100_000,
        quick_n=20_000,
        epochs=5,
        quick_epochs=2,
        threads=[1],
    ),
}


def describe(spec):
    """One line: sizes, activations, cost, batch, dtype, lr."""
    sizes = "-".join(str(s) for s in spec.sizes)
    if spec.hidden == spec.output:
        act = f"{spec.hidden} (every layer)"
    else:
        act = f"{spec.hidden} + {spec.output}"
    return f"{sizes}, {act}, {spec.cost}, batch {spec.batch_size}, {spec.dtype}, lr {spec.lr}"
