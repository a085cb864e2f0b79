"""What every peer needs to know about a configuration, and small shared helpers."""

import dataclasses
import time

import numpy as np

try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None


@dataclasses.dataclass
class Spec:
    """One configuration: the network, its cost and the training settings.

    hidden   activation of the hidden layers ("sigmoid" or "relu")
    output   activation of the output layer ("sigmoid" or "softmax")
    cost     "quadratic" or "log_likelihood"
    """

    name: str
    sizes: list
    hidden: str
    output: str
    cost: str
    batch_size: int
    dtype: str
    lr: float

    @property
    def activations(self):
        return [self.hidden] * (len(self.sizes) - 2) + [self.output]

    @property
    def np_dtype(self):
        return np.dtype(self.dtype)

    @property
    def classifier(self):
        """True when the targets are class labels (softmax), False for the 0/1 targets of
        a single sigmoid output, and "onehot" for a sigmoid layer of several outputs
        trained on one-hot rows."""
        if self.output == "softmax":
            return True
        return "onehot" if self.sizes[-1] > 1 else False


def targets(spec, y):
    """y as the (n, outputs) target rows of the spec's dtype: one-hot rows for classes,
    a column of 0/1 for one output."""
    y = np.asarray(y)
    if spec.sizes[-1] == 1:
        return y.reshape(-1, 1).astype(spec.np_dtype)
    Y = np.zeros((y.shape[0], spec.sizes[-1]), dtype=spec.np_dtype)
    Y[np.arange(y.shape[0]), y] = 1
    return Y


def accuracy(outputs, y):
    """Fraction of rows classified right: argmax for several outputs, >= 0.5 for one."""
    outputs = np.asarray(outputs)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return float(np.mean(outputs.argmax(axis=1) == y))
    return float(np.mean((outputs.reshape(-1) >= 0.5) == (np.asarray(y).reshape(-1) == 1)))


def clock():
    return time.perf_counter()


def blas_info():
    """The BLAS and OpenMP libraries loaded, as threadpoolctl sees them (call it inside
    the thread limit), or None without threadpoolctl."""
    if threadpoolctl is None:
        return None
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads", "filepath")
    libs = sorted(threadpoolctl.threadpool_info(), key=lambda lib: lib["filepath"])
    return [{k: lib.get(k) for k in keys} for lib in libs]
