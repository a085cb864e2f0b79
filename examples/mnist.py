"""Train the lecture notes' MNIST network: [784, 30, 10], sigmoid, quadratic cost,
mini-batch SGD with batch size 10 and eta = 3.0, printing each epoch.

    python examples/mnist.py [--epochs 10] [--data FOLDER_WITH_MNIST_IDX_FILES]
"""

import argparse
import os

import fcnn
from fcnn.datasets import load_mnist

DEFAULT_DATA = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist"
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        default=os.path.normpath(DEFAULT_DATA),
        help="folder holding the four MNIST IDX files (gzipped or not)",
    )
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    args = parser.parse_args()

    try:
        X, y = load_mnist(args.data, "train", dtype=args.dtype)
    except FileNotFoundError as error:
        raise SystemExit(f"{error}\ngive the folder of the MNIST IDX files with --data") from None
    X_test, y_test = load_mnist(args.data, "test", dtype=args.dtype)
    net = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", dtype=args.dtype, seed=0)
    print(net)
    net.fit(
        X[:50000],
        y[:50000],
        epochs=args.epochs,
        batch_size=10,
        lr=3.0,
        validation_data=(X[50000:], y[50000:]),
        verbose=True,
    )
    print(f"test accuracy: {net.evaluate(X_test, y_test)['accuracy']:.4f}")


if __name__ == "__main__":
    main()
