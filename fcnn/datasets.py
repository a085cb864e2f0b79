"""Small datasets: XOR, MNIST read from its standard IDX files, and a bundled MNIST sample.

The sample (fcnn/data/, see its README.md) is the first 10,000 training and the first
2,000 test images of MNIST, so that examples, the command line and tests run without a
download.
"""

import gzip
import importlib.resources
import os
import zlib

import numpy as np

__all__ = ["xor", "load_idx", "load_mnist", "load_mnist_sample"]

# IDX type codes (the third byte of the magic number) and their big-endian dtypes.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"

_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def xor():
    """The four XOR examples: X (4, 2) and labels y (4,) in {0, 1}."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return X, y


def _read_bytes(path):
    """The file's bytes, decompressed when they are gzip (whatever the file's name)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ValueError(f"cannot read IDX file {path}: {error.strerror or error}") from None
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"{path} is a damaged or truncated gzip file ({error})") from None
    return data


def load_idx(path):
    """The array stored in one IDX file, gzipped or not.

    An IDX file is a magic number 0x00 0x00 <type> <ndim>, ndim big-endian uint32 sizes,
    then the values in C order, big-endian. ValueError, naming the file, for anything else.
    """
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(
            f"{path} is not an IDX file: {len(data)} bytes, too short for the 4-byte magic number"
        )
    if data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{path} is not an IDX file: its magic number {data[:4].hex()} "
            f"does not start with two zero bytes"
        )
    if data[2] not in _IDX_TYPES:
        codes = ", ".join(f"0x{code:02x}" for code in _IDX_TYPES)
        raise ValueError(
            f"{path} is not an IDX file: type code 0x{data[2]:02x} in its "
            f"magic number, expected one of {codes}"
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{path} is truncated: its header needs {header} bytes, the file has {len(data)}"
        )
    shape = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = header + dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        state = "truncated" if len(data) < expected else "corrupt (trailing bytes)"
        raise ValueError(
            f"{path} has {len(data)} bytes but its header {shape} of "
            f"{dtype.name} promises {expected}: {state}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def load_mnist(path, split="train", dtype="float64"):
    """MNIST images and labels from the folder `path` holding the standard IDX files
    (gzipped or not). Returns X (n, 784) scaled to [0, 1] in `dtype`, and y (n,) int labels.
    """
    if split not in _MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"MNIST folder {path} does not exist or is not a folder")
    found = []
    for stem in _MNIST_FILES[split]:
        candidates = [os.path.join(path, stem + suffix) for suffix in (".gz", "")]
        existing = [c for c in candidates if os.path.isfile(c)]
        if not existing:
            raise FileNotFoundError(f"no {stem}.gz or {stem} in the MNIST folder {path}")
        found.append(existing[0])
    return _mnist_arrays(*found, dtype=dtype)


def load_mnist_sample(split="train", dtype="float64"):
    """The MNIST sample bundled with fcnn: the first 10,000 training images ("train") or
    the first 2,000 test images ("test"). Returns X (n, 784) in [0, 1] in `dtype` and
    y (n,) int labels, like load_mnist.
    """
    if split not in _MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = importlib.resources.files("fcnn").joinpath("data")
    images, labels = (folder.joinpath(stem + ".gz") for stem in _MNIST_FILES[split])
    with (
        importlib.resources.as_file(images) as images_path,
        importlib.resources.as_file(labels) as labels_path,
    ):
        return _mnist_arrays(images_path, labels_path, dtype=dtype)


def _mnist_arrays(images_path, labels_path, dtype):
    """X (n, rows * cols) / 255 and y (n,) from an images file and a labels file."""
    images, labels = load_idx(images_path), load_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{images_path} must hold MNIST images, a 3-d uint8 array "
            f"(n, rows, cols); it holds {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(
            f"{labels_path} must hold MNIST labels, a 1-d uint8 array (n,); "
            f"it holds {labels.dtype} {labels.shape}"
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} "
            f"holds {labels.shape[0]} labels"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path} holds labels up to {labels.max()}, expected digits 0-9")
    X = images.reshape(images.shape[0], -1).astype(dtype) / 255
    return X, labels.astype(np.intp)
