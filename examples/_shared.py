"""What the example scripts share: their command line, MNIST, and matplotlib.

The scripts import it as a sibling module (Python puts a script's folder first on
sys.path).
"""

import argparse
import os

from fcnn.datasets import load_mnist, load_mnist_sample

DEFAULT_DATA = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist")
)
PLOT_EXTRA = 'pip install "fcnn[plot]"'


def parser(doc):
    """A command line whose description is the first paragraph of the script's `doc`."""
    return argparse.ArgumentParser(description=" ".join(doc.split("\n\n")[0].split()))


def add_data_option(parser):
    parser.add_argument(
        "--data",
        metavar="FOLDER",
        default=DEFAULT_DATA,
        help="The folder of the four MNIST IDX files, gzipped or not (default: %(default)s; "
        "without it, the MNIST sample bundled with fcnn).",
    )


def add_epochs_option(parser, default):
    parser.add_argument(
        "--epochs",
        type=int,
        default=default,
        help="The number of training epochs (default: %(default)s).",
    )


def add_lr_option(parser, default):
    parser.add_argument(
        "--lr", type=float, default=default, help="The learning rate eta (default: %(default)s)."
    )


def add_out_option(parser):
    parser.add_argument(
        "--out",
        metavar="PNG",
        help="Write the plot to this PNG file, which needs matplotlib (default: show the plot "
        "in a window).",
    )


def check_out(parser, out):
    """Fail before any training when the plot is to be written and cannot be."""
    if out is None:
        return
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        parser.error(f"--out {out} needs matplotlib: {PLOT_EXTRA}")


def pyplot(out):
    """matplotlib.pyplot (drawing to files when `out` is given), or None without it."""
    try:
        import matplotlib
    except ImportError:
        print(f"matplotlib is not installed ({PLOT_EXTRA}): no plot")
        return None
    if out:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def mnist(folder, dtype="float64"):
    """(training, validation, test) pairs (X, y): MNIST's training images 0-50,000 and
    50,000-60,000 and its test images from `folder`; when the default folder is absent,
    the sample bundled with fcnn (saying so on one line)."""
    if folder == DEFAULT_DATA and not os.path.isdir(folder):
        print(
            f"no MNIST at {folder}: using the sample bundled with fcnn (training images "
            f"0-8,000, validation images 8,000-10,000, 2,000 test images)"
        )
        X, y = load_mnist_sample("train", dtype)
        return (X[:8000], y[:8000]), (X[8000:], y[8000:]), load_mnist_sample("test", dtype)
    try:
        X, y = load_mnist(folder, "train", dtype=dtype)
        test = load_mnist(folder, "test", dtype=dtype)
    except FileNotFoundError as error:
        raise SystemExit(f"{error}\ngive the folder of the MNIST IDX files with --data") from None
    return (X[:50000], y[:50000]), (X[50000:], y[50000:]), test


def first(data, n):
    """The first n examples of data = (X, y), saying so when there are fewer."""
    X, y = data
    if n > len(y):
        print(f"--samples {n}: only {len(y):,} training images are available; using {len(y):,}")
    return X[:n], y[:n]
