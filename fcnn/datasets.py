"""Small datasets: XOR, MNIST read from its standard IDX files, and a bundled MNIST sample.

The sample (fcnn/data/, see its README.md) is the first 10,000 training and the first
2,000 test images of MNIST, so that examples, the command line and tests run without a
download.
"""

from __future__ import annotations

import gzip
import importlib.resources
import os
import zlib
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import DTypeLike, NDArray

__all__ = ["xor", "load_idx", "load_mnist", "load_mnist_sample"]

Split: TypeAlias = Literal["train", "test"]
"""MNIST's two parts: the training and the test set."""

# IDX type codes (the third byte of the magic number) and their big-endian dtypes.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"

_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def xor() -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    """The four XOR examples, the classic problem no linear model solves.

    Returns
    -------
    X : ndarray of float64, shape (4, 2)
        The inputs (0, 0), (0, 1), (1, 0) and (1, 1).
    y : ndarray of int, shape (4,)
        Their labels in {0, 1}: x_1 XOR x_2.

    Examples
    --------
    >>> from fcnn.datasets import xor
    >>> X, y = xor()
    >>> X.shape, y.tolist()
    ((4, 2), [0, 1, 1, 0])
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return X, y


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
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


def load_idx(path: str | os.PathLike[str]) -> NDArray[Any]:
    """Read the array stored in one IDX file, gzipped or not.

    An IDX file (the format of MNIST's files) is a magic number 0x00 0x00 <type> <ndim>,
    ndim big-endian uint32 sizes, then the values in C order, big-endian. A file that
    starts with the gzip magic number is decompressed first, whatever its name.

    Parameters
    ----------
    path : str or os.PathLike
        The IDX file.

    Returns
    -------
    ndarray, shape as the file's header says
        The values in native byte order, of the file's type: uint8, int8, int16, int32,
        float32 or float64.

    Raises
    ------
    ValueError
        Naming the file, if it cannot be read (also when it does not exist), is a
        damaged gzip file, or is not a well-formed IDX file (magic number, type code,
        truncated or trailing bytes).

    Examples
    --------
    >>> import os, tempfile
    >>> from fcnn.datasets import load_idx
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "three-bytes-idx1-ubyte")
    ...     with open(path, "wb") as file:  # uint8 (type 0x08), 1-D, 3 values
    ...         _ = file.write(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]))
    ...     array = load_idx(path)
    >>> array.dtype.name, array.tolist()
    ('uint8', [7, 8, 9])
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


def load_mnist(
    path: str | os.PathLike[str], split: Split = "train", dtype: DTypeLike = "float64"
) -> tuple[NDArray[np.floating], NDArray[np.intp]]:
    """Read MNIST's images and labels from a folder of its standard IDX files.

    Parameters
    ----------
    path : str or os.PathLike
        The folder holding ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte``
        (for "train") or ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``
        (for "test"), each gzipped (``.gz``, preferred when both exist) or not.
    split : {"train", "test"}, default "train"
        The training set (60,000 images) or the test set (10,000).
    dtype : float dtype, default "float64"
        Of the images.

    Returns
    -------
    X : ndarray of `dtype`, shape (n_samples, 784)
        The images, one row of 28 x 28 pixels per image, scaled to [0, 1].
    y : ndarray of intp, shape (n_samples,)
        Their labels, the digits 0-9.

    Raises
    ------
    ValueError
        If `split` is neither "train" nor "test", or a file is not an MNIST IDX file
        (see `load_idx`), or the images and labels do not match.
    FileNotFoundError
        If the folder, or one of the split's two files, does not exist.

    See Also
    --------
    load_mnist_sample : The sample bundled with fcnn, no download needed.

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> import fcnn
    >>> from fcnn.datasets import load_mnist
    >>> bundled = os.path.join(os.path.dirname(fcnn.__file__), "data")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
    ...         _ = shutil.copy(os.path.join(bundled, name), folder)
    ...     X, y = load_mnist(folder, "test")
    >>> X.shape, X.dtype.name, y.shape
    ((2000, 784), 'float64', (2000,))
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
    images, labels = found
    return _mnist_arrays(images, labels, dtype=dtype)


def load_mnist_sample(
    split: Split = "train", dtype: DTypeLike = "float64"
) -> tuple[NDArray[np.floating], NDArray[np.intp]]:
    """Load the MNIST sample bundled with fcnn.

    The first 10,000 training images ("train") or the first 2,000 test images ("test")
    of MNIST (CC BY-SA 3.0, see fcnn/data/README.md), so that examples and tests run
    without a download.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        The training sample (10,000 images) or the test sample (2,000).
    dtype : float dtype, default "float64"
        Of the images.

    Returns
    -------
    X : ndarray of `dtype`, shape (n_samples, 784)
        The images, one row of 28 x 28 pixels per image, scaled to [0, 1].
    y : ndarray of intp, shape (n_samples,)
        Their labels, the digits 0-9.

    Raises
    ------
    ValueError
        If `split` is neither "train" nor "test".

    See Also
    --------
    load_mnist : The whole of MNIST, from its IDX files.

    Examples
    --------
    >>> from fcnn.datasets import load_mnist_sample
    >>> X, y = load_mnist_sample("test", dtype="float32")
    >>> X.shape, X.dtype.name, float(X.min()), float(X.max())
    ((2000, 784), 'float32', 0.0, 1.0)
    >>> y[:10].tolist()
    [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
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
