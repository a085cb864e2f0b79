"""The command line: ``fcnn <command>`` or ``python -m fcnn <command>``.

    fcnn demo                      train on the bundled MNIST sample in a few seconds
    fcnn train --out model.fcnn    train a network of any shape, save it
    fcnn evaluate model.fcnn       cost and accuracy on the test images
    fcnn predict model.fcnn X.npy  predicted labels (or output activations) as CSV
    fcnn bench --quick             benchmarks/run.py, or a built-in timing of fcnn alone
    fcnn export model.fcnn --onnx model.onnx   an ONNX model (and/or --c FOLDER: C sources),
                                   checked against predict
    fcnn import model.onnx --out model.fcnn    a network from an ONNX model

Every command reads MNIST from a folder of its IDX files given with --data, or else the
sample bundled with fcnn (the first 10,000 training and 2,000 test images). Errors print one
line to stderr; the exit status is 2 for a bad command line, 1 for any other error.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
import warnings
from typing import cast, get_args

import numpy as np

from . import __version__, export, io, optimizers
from ._c_export import CDtype
from ._onnx_import import from_onnx
from ._validation import as_inputs
from .activations import ActivationName
from .costs import CostName
from .datasets import load_idx, load_mnist, load_mnist_sample
from .network import Network, predicted_classes
from .training import DivergenceError

__all__ = ["main"]

OPTIMIZERS = optimizers.BY_NAME
SGD_DEFAULT_LR = 3.0  # the notes' eta for [784, 30, 10], sigmoid, quadratic cost

# The demo: a configuration that reaches ~94% on the 2,000 bundled test images in about a
# second of training (measured over seeds 0-4: 0.939-0.946).
DEMO_SIZES = [784, 100, 10]
DEMO_ACTIVATION = "sigmoid"
DEMO_COST = "cross_entropy"
DEMO_LR = 0.5
DEMO_BATCH = 10

# A final accuracy this close to guessing (or below) means the network learnt nothing.
CHANCE_MARGIN = 0.02

NUMPY_MAGIC = b"\x93NUMPY"
GZIP_MAGIC = b"\x1f\x8b"


class CommandError(Exception):
    """An error to report in one line, exit status 1."""


# ---------------------------------------------------------------------- the parser


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with its errors in one line (exit status 2)."""

    commands: dict[str, "_Parser"]  # the top-level parser's subcommands

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


class _HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default, unless its help text already speaks of it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if (
            "default" in text
            or action.default in (None, argparse.SUPPRESS)
            or isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction))
            or not action.option_strings
        ):
            return text
        return text + " (default: %(default)s)"


def _int_list(text):
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 784,30,10, got {text!r}"
        ) from None
    return values


def _name_list(text):
    names = [part.strip() for part in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected a name or comma-separated names, got {text!r}")
    return names[0] if len(names) == 1 else names


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


def _fractions(text):
    """One fraction, or comma-separated fractions (one per hidden layer)."""
    values = [_fraction(part) for part in text.split(",")]
    return values[0] if len(values) == 1 else values


def _add_data_option(parser):
    parser.add_argument(
        "--data",
        metavar="FOLDER",
        help="folder of the MNIST IDX files (train-images-idx3-ubyte[.gz] "
        "and the others); default: the sample bundled with fcnn",
    )


def _add_train_samples_option(parser, default_text):
    parser.add_argument(
        "--train-samples",
        type=_positive_int,
        metavar="N",
        help=f"train on the first N training images only; default: {default_text}",
    )


def build_parser():
    parser = _Parser(
        prog="fcnn",
        formatter_class=_HelpFormatter,
        description="Fully-connected neural networks with a compiled core: train, evaluate "
        "and use them on MNIST from the command line.",
        epilog="Run `fcnn COMMAND --help` for a command's options.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"fcnn {__version__}",
        help="print fcnn's version and exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        formatter_class=_HelpFormatter,
        help="train on the bundled MNIST sample in a few seconds",
        description=f"Train {DEMO_SIZES} ({DEMO_ACTIVATION}, {DEMO_COST.replace('_', '-')} "
        f"cost, SGD eta={DEMO_LR}, batch {DEMO_BATCH}) on the bundled MNIST "
        f"sample, printing each epoch's cost and test accuracy.",
    )
    demo.add_argument("--epochs", type=_positive_int, default=10, help="training epochs")
    demo.add_argument(
        "--seed", type=int, default=0, help="seed of the initial weights and of the shuffling"
    )
    _add_train_samples_option(demo, "all 10,000")

    train = commands.add_parser(
        "train",
        formatter_class=_HelpFormatter,
        help="train a network and save it",
        description="Train a network on MNIST by mini-batch gradient descent and save it "
        "(fcnn's model file, read back by `fcnn evaluate`, `fcnn predict` and "
        "fcnn.load).",
    )
    train.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="where to save the trained model (required; no default)",
    )
    train.add_argument(
        "--sizes",
        type=_int_list,
        default=[784, 30, 10],
        metavar="N,N,...",
        help="neurons per layer, input first (default: 784,30,10)",
    )
    train.add_argument(
        "--activations",
        type=_name_list,
        default="sigmoid",
        metavar="NAME[,NAME...]",
        help="one activation for every layer, or one per layer after the "
        f"input: {', '.join(get_args(ActivationName))} (default: sigmoid)",
    )
    train.add_argument(
        "--cost",
        default="quadratic",
        choices=get_args(CostName),
        help="cost function",
    )
    train.add_argument("--optimizer", default="sgd", choices=list(OPTIMIZERS), help="update rule")
    train.add_argument(
        "--lr",
        type=float,
        metavar="ETA",
        help=f"learning rate; default: {SGD_DEFAULT_LR} for sgd, the "
        f"optimizer's own default for the others (adam, adamw 0.001; "
        f"rmsprop, adagrad, rprop 0.01)",
    )
    train.add_argument(
        "--momentum", type=float, default=0.0, help="momentum coefficient (sgd only)"
    )
    train.add_argument("--epochs", type=_positive_int, default=10, help="training epochs")
    train.add_argument(
        "--batch-size", type=_positive_int, default=10, metavar="M", help="mini-batch size"
    )
    train.add_argument(
        "--l2",
        type=float,
        default=0.0,
        metavar="LAMBDA",
        help="L2 regularization lambda (the notes' form, w <- (1 - eta lambda/n) w - ...)",
    )
    train.add_argument(
        "--dropout",
        type=_fractions,
        default=0.0,
        metavar="P",
        help="probability of dropping a hidden unit in training: one for every hidden "
        "layer, or comma-separated, one per hidden layer",
    )
    train.add_argument(
        "--input-dropout",
        type=_fraction,
        default=0.0,
        metavar="P",
        help="probability of dropping an input value in training",
    )
    train.add_argument(
        "--dtype",
        default="float64",
        choices=["float64", "float32"],
        help="floating-point type of the parameters and the data",
    )
    train.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the initial weights, the shuffling and the validation split",
    )
    _add_data_option(train)
    _add_train_samples_option(train, "all of them")
    train.add_argument(
        "--validation-split",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="fraction of the training images held out and evaluated after each epoch (0: none)",
    )
    loudness = train.add_mutually_exclusive_group()
    loudness.add_argument(
        "--verbose",
        dest="verbose",
        action="store_true",
        default=True,
        help="print one line per epoch (default)",
    )
    loudness.add_argument(
        "--quiet",
        dest="verbose",
        action="store_false",
        help="print only the final results, not each epoch (default: off)",
    )

    evaluate = commands.add_parser(
        "evaluate",
        formatter_class=_HelpFormatter,
        help="a saved model's cost and accuracy",
        description="Print a saved model's mean cost and accuracy on MNIST images.",
    )
    evaluate.add_argument("model", metavar="MODEL", help="a model file saved by fcnn")
    _add_data_option(evaluate)
    evaluate.add_argument(
        "--split", default="test", choices=["test", "train"], help="which images to evaluate on"
    )

    predict = commands.add_parser(
        "predict",
        formatter_class=_HelpFormatter,
        help="predict labels of new inputs",
        description="Write the predicted label of each input row (or, with --proba, the "
        "network's output activations) as CSV.",
    )
    predict.add_argument("model", metavar="MODEL", help="a model file saved by fcnn")
    predict.add_argument(
        "input",
        metavar="INPUT",
        help="the inputs: an IDX file (gzipped or not), a .npy file or a CSV "
        "of numbers, one sample per row (IDX and .npy arrays of more "
        "than 2 dimensions are flattened per sample; uint8 arrays are "
        "images and are scaled by 1/255)",
    )
    predict.add_argument(
        "--output", metavar="FILE", help="write the CSV here; default: standard output"
    )
    predict.add_argument(
        "--proba",
        action="store_true",
        help="write the output activations (one column per output neuron) "
        "instead of the labels (default: labels)",
    )

    bench = commands.add_parser(
        "bench",
        formatter_class=_HelpFormatter,
        help="measure training speed",
        description="Run the repository's benchmark, benchmarks/run.py (fcnn beside "
        "PyTorch, scikit-learn and NumPy), with this Python. Options not listed "
        "here are passed on to run.py as they are. Without the benchmarks "
        "folder (an installed fcnn), time fcnn alone: a few epochs of "
        "[784, 30, 10] on the bundled sample.",
    )
    bench.add_argument(
        "--benchmarks-dir",
        metavar="FOLDER",
        help="the folder holding run.py; default: ./benchmarks",
    )
    bench.add_argument(
        "--quick",
        action="store_true",
        help="a short run (run.py --quick; built-in timing: 2 epochs of "
        "2,000 images) (default: full run)",
    )
    bench.add_argument(
        "--configs",
        metavar="A,B,...",
        help="configurations for run.py (A-F, inference, memory); default: run.py's, all of them",
    )
    bench.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="timed epochs per system; default: run.py's own; built-in timing: 3 (2 with --quick)",
    )
    _add_data_option(bench)
    bench.add_argument(
        "--json",
        metavar="PATH",
        help="run.py's JSON results file; default: run.py's own (benchmarks/results/latest.json)",
    )
    bench.add_argument(
        "--markdown", metavar="PATH", help="also write run.py's report here; default: none"
    )
    export_command = commands.add_parser(
        "export",
        formatter_class=_HelpFormatter,
        help="export a saved model to ONNX or C, checked against predict",
        description="Write a saved model as an ONNX model (--onnx) and/or as C sources "
        "(--c), run what was written on sample inputs and print how far its outputs are "
        "from the model's own predict (max abs and relative deviation, argmax agreement, "
        "and the accuracy on the labels of --check-data).",
    )
    export_command.add_argument("model", metavar="MODEL", help="a model file saved by fcnn")
    export_command.add_argument(
        "--onnx", metavar="PATH", help="write an ONNX model here (needs fcnn[onnx]); default: none"
    )
    export_command.add_argument(
        "--c", metavar="FOLDER", help="write C99 sources into this folder; default: none"
    )
    export_command.add_argument(
        "--opset", type=_positive_int, metavar="N", help="ONNX opset; default: the exporter's"
    )
    export_command.add_argument(
        "--dtype",
        choices=["float32", "float64", "int8"],
        help="number type of the export (int8: C only); default: the model's",
    )
    export_command.add_argument(
        "--check-data",
        metavar="mnist|NPZ",
        help="the samples to check the export on (and, for int8, to calibrate it with): "
        "'mnist' for the test images (of --data), or a .npz file with an array X and "
        "optionally labels y; default: the exporter's own samples",
    )
    _add_data_option(export_command)

    import_command = commands.add_parser(
        "import",
        formatter_class=_HelpFormatter,
        help="a model file from an ONNX model of an MLP",
        description="Read an ONNX model of a fully-connected network (as fcnn, "
        "torch.onnx.export or skl2onnx write it) and save it as an fcnn model file.",
    )
    import_command.add_argument("onnx", metavar="ONNX", help="the ONNX model file")
    import_command.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="where to save the model (required; no default)",
    )
    import_command.add_argument(
        "--cost",
        choices=get_args(CostName),
        help="the model's cost; default: from its output activation (log-likelihood for "
        "softmax, cross-entropy for sigmoid, quadratic otherwise)",
    )
    parser.commands = commands.choices  # {name: the command's own parser}
    return parser


# ---------------------------------------------------------------------- data


def _mnist(folder, split, dtype):
    if folder is None:
        return load_mnist_sample(split, dtype=dtype)
    return load_mnist(folder, split, dtype=dtype)


def _test_data(folder, dtype):
    """The test split, or None when the folder has only training files."""
    try:
        return _mnist(folder, "test", dtype)
    except FileNotFoundError:
        return None


def _data_name(folder):
    return "the bundled MNIST sample" if folder is None else f"MNIST from {folder}"


def _first(data, n):
    """The first n training images of data = (X, y), saying so when there are fewer."""
    X, y = data
    if n is not None and n > len(y):
        _say(
            f"note: --train-samples {n}: only {len(y):,} training images are available; "
            f"using {len(y):,}",
            file=sys.stderr,
        )
    return (X, y) if n is None else (X[:n], y[:n])


def chance_level(labels, n_classes=None):
    """The accuracy of guessing: the most frequent class's rate, at least 1/n_classes."""
    counts = np.bincount(labels, minlength=n_classes or 0)
    return max(counts.max() / labels.size, 1 / counts.size)


def at_chance_level(accuracy, labels, n_classes=None):
    """Whether `accuracy` on `labels` is no better than guessing (within CHANCE_MARGIN)."""
    return accuracy <= chance_level(labels, n_classes) + CHANCE_MARGIN


def _check_output_size(sizes, labels):
    n_classes = int(labels.max()) + 1
    if sizes[-1] != n_classes:
        fixed = ",".join(str(size) for size in [*sizes[:-1], n_classes])
        raise CommandError(
            f"the output layer has {sizes[-1]} neurons but the data has {n_classes} classes "
            f"(labels 0-{n_classes - 1}): end --sizes with {n_classes}, e.g. --sizes {fixed}"
        )


def _read_inputs(path):
    """Rows to predict from an IDX, .npy or CSV file (recognised by their first bytes)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(6)
    except OSError as error:
        raise CommandError(f"cannot read INPUT {path}: {error.strerror or error}") from None
    if start.startswith(NUMPY_MAGIC):
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as error:
            raise CommandError(f"cannot read the .npy file {path}: {error}") from None
    elif start.startswith(GZIP_MAGIC) or start[:2] == b"\0\0":
        array = load_idx(path)
    else:
        header = _csv_header(path)
        try:
            with warnings.catch_warnings():  # an empty file is reported below, as no samples
                warnings.filterwarnings("ignore", "loadtxt: input contained no data")
                array = np.loadtxt(
                    path, delimiter=",", ndmin=2, dtype=np.float64, skiprows=int(header is not None)
                )
        except ValueError as error:
            raise CommandError(
                f"INPUT {path} is neither an IDX file, a .npy file nor a CSV of numbers: {error}"
            ) from None
        if header is not None and array.size:
            shown = header if len(header) <= 40 else header[:37] + "..."
            _say(f"note: skipped the first row of INPUT {path}, a header: {shown}", file=sys.stderr)
    if array.dtype == np.uint8:
        array = array / 255
    if array.ndim > 2:
        array = array.reshape(array.shape[0], -1)
    if array.ndim == 0 or array.size == 0:
        raise CommandError(f"INPUT {path} holds no samples (shape {array.shape})")
    return array


def _csv_header(path):
    """The first line of a CSV file when it is not all numbers (column names), else None."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        first = handle.readline().strip()
    try:
        [float(field) for field in first.split(",") if first]
    except ValueError:
        return first
    return None


def _say(*parts, file=None, flush=True):
    """print(); on a terminal, each line wrapped to its width, the lines it adds indented
    (logs and pipes keep whole lines)."""
    stream = sys.stdout if file is None else file
    text = " ".join(map(str, parts))
    if getattr(stream, "isatty", lambda: False)():
        width = shutil.get_terminal_size().columns - 1
        text = "\n".join(
            textwrap.fill(
                line,
                width,
                subsequent_indent="  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
            for line in text.split("\n")
        )
    print(text, file=stream, flush=flush)


# ---------------------------------------------------------------------- commands


def _run_demo(args):
    X, y = _first(load_mnist_sample("train"), args.train_samples)
    X_test, y_test = load_mnist_sample("test")
    net = Network(DEMO_SIZES, DEMO_ACTIVATION, DEMO_COST, seed=args.seed)
    _say(f"fcnn demo: {net}")
    _say(
        f"SGD eta={DEMO_LR}, batch {DEMO_BATCH}, {args.epochs} epochs on "
        f"{len(y):,} training images of the bundled MNIST sample; its "
        f"{len(y_test):,} test images are the validation data (val_cost, val_accuracy)",
        flush=True,
    )
    started = time.perf_counter()
    net.fit(
        X,
        y,
        epochs=args.epochs,
        batch_size=DEMO_BATCH,
        lr=DEMO_LR,
        validation_data=(X_test, y_test),
        seed=args.seed,
        verbose=True,
    )
    seconds = time.perf_counter() - started
    _say(f"test accuracy: {net.evaluate(X_test, y_test)['accuracy']:.4f}  ({seconds:.1f} s in all)")
    return 0


def _optimizer(args):
    if args.momentum and args.optimizer != "sgd":
        raise CommandError(f"--momentum is for --optimizer sgd, not {args.optimizer}")
    kind = OPTIMIZERS[args.optimizer]
    if args.optimizer == "sgd":
        lr = SGD_DEFAULT_LR if args.lr is None else args.lr
        return kind(lr, momentum=args.momentum)
    return kind() if args.lr is None else kind(args.lr)


def _run_train(args):
    if not args.out or os.path.isdir(args.out):
        raise CommandError(f"--out must be a file path, got {args.out!r}")
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):
        raise CommandError(f"cannot save to --out {args.out}: folder {folder} does not exist")
    optimizer = _optimizer(args)
    net = Network(args.sizes, args.activations, args.cost, dtype=args.dtype, seed=args.seed)
    data = _mnist(args.data, "train", args.dtype)
    if data[0].shape[1] != args.sizes[0]:
        raise CommandError(
            f"--sizes starts with {args.sizes[0]} inputs but the images have "
            f"{data[0].shape[1]} pixels"
        )
    _check_output_size(args.sizes, data[1])
    X, y = _first(data, args.train_samples)
    test = _test_data(args.data, args.dtype)
    _say(f"training {net} on {len(y):,} images of {_data_name(args.data)}", flush=True)
    history = net.fit(
        X,
        y,
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=optimizer,
        l2=args.l2,
        dropout=args.dropout,
        input_dropout=args.input_dropout,
        validation_split=args.validation_split or None,
        seed=args.seed,
        verbose=args.verbose,
    )
    _say(f"final training cost: {history.cost[-1]:.6g}")
    if history.val_accuracy:
        _say(f"validation accuracy: {history.val_accuracy[-1]:.4f}")
    if test is None:
        accuracy, labels, which = history.accuracy[-1], y, "training"
    else:
        accuracy, labels, which = net.evaluate(*test)["accuracy"], test[1], "test"
        _say(f"test accuracy: {accuracy:.4f}")
    net.save(args.out)
    _say(f"saved to {args.out}")
    if at_chance_level(accuracy, labels, args.sizes[-1]):
        _say(
            f"fcnn train: warning: the {which} accuracy {accuracy:.4f} is at chance level "
            f"({chance_level(labels, args.sizes[-1]):.4f}, the most frequent class's rate): the "
            f"network learnt nothing; try a smaller --lr or other --activations",
            file=sys.stderr,
        )
    return 0


def _run_evaluate(args):
    net = io.load(args.model)
    X, y = _mnist(args.data, args.split, net.dtype.name)
    result = net.evaluate(X, y)
    _say(f"{args.split} images: {len(y):,} of {_data_name(args.data)}")
    _say(f"cost: {result['cost']:.6g}")
    _say(f"accuracy: {result['accuracy']:.4f}")
    return 0


def _run_predict(args):
    net = io.load(args.model)
    X, _ = as_inputs(_read_inputs(args.input), net.sizes[0], net.dtype, name=f"INPUT {args.input}")
    outputs = net.predict(X)
    if outputs.ndim == 1:
        outputs = outputs.reshape(1, -1)
    if args.proba:
        lines = [",".join(f"{value:.10g}" for value in row) for row in outputs]
    else:
        lines = [str(label) for label in predicted_classes(outputs)]
    text = "\n".join(lines) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="ascii") as handle:
            handle.write(text)
    return 0


def _run_bench(args, passed_on):
    if args.benchmarks_dir is not None:
        folder = args.benchmarks_dir
        if not os.path.isfile(os.path.join(folder, "run.py")):
            raise CommandError(f"--benchmarks-dir {folder} holds no run.py")
    else:
        folder = "benchmarks"
        if not os.path.isfile(os.path.join(folder, "run.py")):
            _say(
                f"no benchmarks/run.py in {os.getcwd()} (an installed fcnn has no "
                f"benchmarks; run from the repository or give --benchmarks-dir): timing "
                f"fcnn alone instead",
                file=sys.stderr,
            )
            return _builtin_bench(args, passed_on)
    command = [sys.executable, os.path.join(folder, "run.py")]
    if args.quick:
        command.append("--quick")
    for option in ("configs", "epochs", "data", "json", "markdown"):
        value = getattr(args, option)
        if value is not None:
            command += [f"--{option}", str(value)]
    command += passed_on
    sys.stdout.flush()
    return subprocess.run(command).returncode


def _builtin_bench(args, passed_on):
    """Samples/s of a few SGD epochs of [784, 30, 10] (the notes' network) alone."""
    ignored = passed_on + [
        f"--{name}" for name in ("configs", "json", "markdown") if getattr(args, name) is not None
    ]
    if ignored:
        _say(f"note: ignoring {' '.join(ignored)} (options of benchmarks/run.py)", file=sys.stderr)
    X, y = _mnist(args.data, "train", "float64")
    if args.quick:
        X, y = X[:2000], y[:2000]
    epochs = args.epochs or (2 if args.quick else 3)
    net = Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
    _say(
        f"fcnn {__version__}: {net}, SGD eta=3.0, batch 10, {len(y):,} images of "
        f"{_data_name(args.data)}"
    )
    net.fit(X[:1000], y[:1000], epochs=1, batch_size=10, lr=3.0)  # warm-up, not timed
    walls = []
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        history = net.fit(X, y, epochs=1, batch_size=10, lr=3.0)
        walls.append(time.perf_counter() - started)
        _say(
            f"epoch {epoch}/{epochs}: {len(y) / walls[-1]:,.0f} samples/s "
            f"(core alone {history.samples_per_second[0]:,.0f})",
            flush=True,
        )
    _say(f"median: {len(y) / statistics.median(walls):,.0f} training samples/s")
    return 0


def _check_data(args, dtype):
    """(X, labels or None) of --check-data, or (None, None) for the exporter's own."""
    if args.check_data is None:
        return None, None
    if args.check_data == "mnist":
        return _mnist(args.data, "test", dtype)
    try:
        with np.load(args.check_data, allow_pickle=False) as arrays:
            if "X" not in arrays:
                raise CommandError(
                    f"--check-data {args.check_data} must hold an array named X (and optionally "
                    f"y), got {', '.join(arrays.files) or 'no arrays'}"
                )
            return arrays["X"], arrays.get("y")
    except (OSError, ValueError) as error:
        raise CommandError(
            f"--check-data must be 'mnist' or a .npz file, cannot read {args.check_data}: {error}"
        ) from None


def _run_export(args):
    if args.onnx is None and args.c is None:
        raise CommandError("nothing to export: give --onnx PATH, --c FOLDER or both")
    if args.dtype == "int8" and args.onnx is not None:
        raise CommandError("--dtype int8 is for --c only; ONNX exports are float32 or float64")
    net = io.load(args.model)
    X, labels = _check_data(args, net.dtype.name)
    checks = {} if X is None else {"calibration": X, "labels": labels}
    reports = []
    if args.onnx is not None:
        reports.append(export.to_onnx(net, args.onnx, opset=args.opset, dtype=args.dtype, **checks))
    if args.c is not None:
        c_dtype = cast(CDtype, args.dtype or net.dtype.name)  # argparse's choices checked it
        reports.append(export.to_c(net, args.c, dtype=c_dtype, **checks))
    for report in reports:
        _say(report)
    return 0


def _run_import(args):
    net = from_onnx(args.onnx, cost=args.cost)
    net.save(args.out)
    _say(f"imported {net} from {args.onnx}")
    _say(f"saved to {args.out}")
    return 0


# ---------------------------------------------------------------------- main


def _one_line(error):
    if isinstance(error, OSError) and error.filename is not None:
        text = f"{error.filename}: {error.strerror or error}"
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


def main(argv=None):
    """Run the command line `argv` (default sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "bench":
            parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as stop:  # --help, --version, or a command-line error (status 2)
        return stop.code
    if args.command is None:  # asking fcnn alone is asking what it does: not an error
        parser.print_help()
        return 0
    commands = {
        "demo": _run_demo,
        "train": _run_train,
        "evaluate": _run_evaluate,
        "predict": _run_predict,
        "export": _run_export,
        "import": _run_import,
    }
    try:
        if args.command == "bench":
            return _run_bench(args, extra)
        return commands[args.command](args)
    except (
        CommandError,
        ValueError,
        TypeError,
        OSError,
        ImportError,
        DivergenceError,
    ) as error:
        _say(f"fcnn {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        history = getattr(stop, "history", None)  # fit keeps the finished epochs there
        done = ""
        if history is not None:
            done = f" after {history.epochs} finished epoch{'' if history.epochs == 1 else 's'}"
        saved = " (the model was not saved)" if args.command == "train" else ""
        _say(f"fcnn {args.command}: interrupted{done}{saved}", file=sys.stderr)
        return 130
