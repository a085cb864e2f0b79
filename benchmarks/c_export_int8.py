"""int8 C export on real MNIST: the test-accuracy change of fcnn.export.to_c(dtype="int8").

Setup: fcnn.Network([784, 100, 10], ["sigmoid", "softmax"], "log_likelihood", seed=S),
trained with plain SGD (lr 0.5, batch size 10) on the 60,000 training images; exported
as float32 and as int8 with the ranges of the first 1,000 training images (the export's
own report is on those); then each written C file is compiled again here and scored on
the 10,000 test images against predict. Acceptance: int8 loses at most 0.5 points.

Run from the repository root (with fcnn importable, e.g. PYTHONPATH=.):

    python benchmarks/c_export_int8.py [--epochs 5] [--seed 0] [--data PATH] [--json PATH]
"""

import argparse
import ctypes
import json
import os
import subprocess
import tempfile

import numpy as np

import fcnn
from fcnn.datasets import load_mnist
from fcnn.export import C_FLAGS, to_c

CALIBRATION_ROWS = 1000


def compiled_predict(folder, X):
    """Outputs of the float-in, float-out C model in `folder` on the rows of X."""
    library = os.path.join(folder, "libmodel.so")
    subprocess.run(
        ["cc", *C_FLAGS, "-shared", "-fPIC", os.path.join(folder, "fcnn_model.c"), "-o",
         library, "-lm"],
        check=True,
    )  # fmt: skip
    predict = ctypes.CDLL(library).fcnn_model_predict
    pointer = ctypes.POINTER(ctypes.c_float)
    predict.argtypes, predict.restype = [pointer, pointer], None
    inputs = np.ascontiguousarray(X, dtype=np.float32)
    outputs = np.empty((X.shape[0], 10), dtype=np.float32)
    for row, out in zip(inputs, outputs):
        predict(row.ctypes.data_as(pointer), out.ctypes.data_as(pointer))
    return outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=os.path.join("..", "shared", "data", "mnist"))
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    X, y = load_mnist(args.data, "train")
    X_test, y_test = load_mnist(args.data, "test")
    net = fcnn.Network([784, 100, 10], ["sigmoid", "softmax"], "log_likelihood", seed=args.seed)
    net.fit(X, y, epochs=args.epochs, batch_size=10, lr=0.5)
    predict_accuracy = float(np.mean(net.predict(X_test).argmax(1) == y_test))
    results = {"epochs": args.epochs, "seed": args.seed, "predict": predict_accuracy}
    for dtype in ("float32", "int8"):
        with tempfile.TemporaryDirectory() as folder:
            calibration = X[:CALIBRATION_ROWS], y[:CALIBRATION_ROWS]
            report = to_c(net, folder, dtype=dtype, calibration=calibration[0],
                          labels=calibration[1])  # fmt: skip
            print(f"{dtype}: {report}")
            got = compiled_predict(folder, X_test)
        accuracy = float(np.mean(got.argmax(1) == y_test))
        results[dtype] = accuracy
        print(
            f"{dtype} on the 10,000 test images: {100 * predict_accuracy:.2f}% (predict) -> "
            f"{100 * accuracy:.2f}%, change {100 * (accuracy - predict_accuracy):+.2f} points"
        )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
