"""Small datasets: XOR, and MNIST read from its standard IDX files."""
import gzip
import os

import numpy as np

__all__ = ["xor", "load_idx", "load_mnist"]

# IDX type codes (the third byte of the magic number) and their big-endian dtypes.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def xor():
    """The four XOR examples: X (4, 2) and labels y (4,) in {0, 1}."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return X, y


def load_idx(path):
    """The array stored in one IDX file (gzipped when its name ends in .gz)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"cannot read IDX file {path}: {error}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4].hex()})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is truncated: its header needs {header} bytes, "
                         f"the file has {len(data)}")
    shape = tuple(int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = header + dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        raise ValueError(f"{path} has {len(data)} bytes but its header {shape} of "
                         f"{dtype.name} promises {expected}: truncated or corrupt")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist(path, split="train", dtype="float64"):
    """MNIST images and labels from the folder `path` holding the standard IDX files
    (gzipped or not). Returns X (n, 784) scaled to [0, 1] in `dtype`, and y (n,) int labels.
    """
    if split not in _MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    found = []
    for stem in _MNIST_FILES[split]:
        candidates = [os.path.join(path, stem + suffix) for suffix in (".gz", "")]
        existing = [c for c in candidates if os.path.exists(c)]
        if not existing:
            raise FileNotFoundError(f"no {stem}[.gz] in {path}")
        found.append(existing[0])
    images, labels = (load_idx(f) for f in found)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST files in {path} disagree: images {images.shape}, "
                         f"labels {labels.shape}")
    X = images.reshape(images.shape[0], -1).astype(dtype) / 255
    return X, labels.astype(np.intp)
