"""The IDX reader, the MNIST loaders and the MNIST sample bundled in fcnn/data/."""

import gzip
import os

import numpy as np
import pytest
from conftest import MNIST_DIR

import fcnn
from fcnn.datasets import load_idx, load_mnist, load_mnist_sample

DATA_DIR = os.path.join(os.path.dirname(fcnn.__file__), "data")
STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


IDX_CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(np.int16): 0x0B,
    np.dtype(np.int32): 0x0C,
    np.dtype(np.float32): 0x0D,
    np.dtype(np.float64): 0x0E,
}


def idx_bytes(array):
    """An IDX file's bytes: magic 0 0 <type> <ndim>, big-endian sizes, big-endian values."""
    array = np.asarray(array)
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim])
    header += np.array(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data, gzipped=False):
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


def write_mnist(folder, split, images, labels, gzipped=True):
    """An MNIST folder of one split, with the standard file names."""
    folder.mkdir(exist_ok=True)
    suffix = ".gz" if gzipped else ""
    image_stem, label_stem = STEMS[split]
    write(folder / (image_stem + suffix), idx_bytes(images), gzipped)
    write(folder / (label_stem + suffix), idx_bytes(labels), gzipped)
    return folder


@pytest.fixture
def small_images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8), np.arange(6, dtype=np.uint8)


# ---------------------------------------------------------------- the bundled sample


def test_bundled_sample_shapes_ranges_and_dtypes():
    X, y = load_mnist_sample("train")
    Xt, yt = load_mnist_sample("test", dtype="float32")
    assert X.shape == (10_000, 784) and X.dtype == np.float64
    assert Xt.shape == (2_000, 784) and Xt.dtype == np.float32
    assert y.shape == (10_000,) and yt.shape == (2_000,)
    assert y.dtype.kind == "i" and yt.dtype.kind == "i"
    for images in (X, Xt):
        assert images.min() == 0 and images.max() == 1
    # Every digit is there in a reasonable share (MNIST's own spread is 9-11%).
    for labels in (y, yt):
        shares = np.bincount(labels, minlength=10) / labels.size
        assert shares.min() > 0.08 and shares.max() < 0.13


def test_bundled_sample_is_the_first_images_of_mnist():
    if not os.path.isdir(MNIST_DIR):
        pytest.skip(f"MNIST not found at {MNIST_DIR}")
    Xt, yt = load_mnist_sample("test")
    full_test_images = load_idx(os.path.join(MNIST_DIR, "t10k-images-idx3-ubyte.gz"))
    np.testing.assert_array_equal(Xt * 255, full_test_images[:2000].reshape(2000, -1))
    full_test_labels = load_idx(os.path.join(MNIST_DIR, "t10k-labels-idx1-ubyte.gz"))
    np.testing.assert_array_equal(yt, full_test_labels[:2000])
    _, y = load_mnist_sample("train")
    full_train_labels = load_idx(os.path.join(MNIST_DIR, "train-labels-idx1-ubyte.gz"))
    np.testing.assert_array_equal(y, full_train_labels[:10_000])


def test_bundled_folder_is_small_documented_and_a_standard_mnist_folder():
    sizes = {name: os.path.getsize(os.path.join(DATA_DIR, name)) for name in os.listdir(DATA_DIR)}
    assert sum(sizes.values()) <= 2_000_000
    with open(os.path.join(DATA_DIR, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    for needed in (
        "LeCun",
        "Cortes",
        "Burges",
        "NIST",
        "Attribution-Share Alike 3.0",
        "0-9999",
        "0-1999",
    ):
        assert needed in readme
    X, y = load_mnist(DATA_DIR, "test")
    Xs, ys = load_mnist_sample("test")
    np.testing.assert_array_equal(X, Xs)
    np.testing.assert_array_equal(y, ys)


def test_sample_rejects_an_unknown_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_mnist_sample("validation")


# ---------------------------------------------------------------- load_idx


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_load_idx_reads_back_what_was_written(tmp_path, gzipped, dtype):
    values = np.arange(24).reshape(2, 3, 4) * 5
    array = (values if dtype == np.uint8 else values - 60.25).astype(dtype)
    path = write(tmp_path / "a.idx", idx_bytes(array), gzipped)
    loaded = load_idx(path)
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_load_idx_recognises_gzip_whatever_the_name(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    plain_named_gz = write(tmp_path / "plain.gz", idx_bytes(array))
    gzip_named_plain = write(tmp_path / "packed.idx", idx_bytes(array), gzipped=True)
    np.testing.assert_array_equal(load_idx(plain_named_gz), array)
    np.testing.assert_array_equal(load_idx(gzip_named_plain), array)


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "too short"),
        (b"\x01\x02\x08\x01" + b"\0\0\0\x01" + b"x", "does not start with two zero bytes"),
        (b"PK\x03\x04 a zip file", "does not start with two zero bytes"),
        (b"\0\0\x07\x01" + b"\0\0\0\x01" + b"x", "type code 0x07"),
        (b"\0\0\x08\x03" + b"\0\0\0\x02", "header needs 16 bytes"),
        (idx_bytes(np.zeros((3, 4), np.uint8))[:-5], "truncated"),
        (idx_bytes(np.zeros((3, 4), np.uint8)) + b"extra", "trailing bytes"),
    ],
)
def test_load_idx_names_the_file_and_the_fault(tmp_path, gzipped, data, message):
    path = write(tmp_path / "bad-file", data, gzipped)
    with pytest.raises(ValueError, match=message) as error:
        load_idx(path)
    assert "bad-file" in str(error.value)


def test_load_idx_truncated_or_damaged_gzip(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(5000, dtype=np.uint8) % 7))
    cut = write(tmp_path / "cut.gz", packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="cut.gz is a damaged or truncated gzip file"):
        load_idx(cut)
    damaged = bytearray(packed)
    damaged[20:40] = b"\xff" * 20
    damaged_path = write(tmp_path / "damaged.gz", bytes(damaged))
    with pytest.raises(ValueError, match="damaged.gz is a damaged or truncated gzip file"):
        load_idx(damaged_path)


def test_load_idx_missing_file_or_folder(tmp_path):
    with pytest.raises(ValueError, match="cannot read IDX file .*absent"):
        load_idx(tmp_path / "absent")
    with pytest.raises(ValueError, match="cannot read IDX file"):
        load_idx(tmp_path)


# ---------------------------------------------------------------- load_mnist


@pytest.mark.parametrize("gzipped", [False, True])
def test_load_mnist_reads_a_folder(tmp_path, small_images, gzipped):
    images, labels = small_images
    folder = write_mnist(tmp_path / "mnist", "test", images, labels, gzipped)
    X, y = load_mnist(folder, "test", dtype="float32")
    assert X.shape == (6, 784) and X.dtype == np.float32
    np.testing.assert_allclose(X * 255, images.reshape(6, -1), rtol=1e-6)
    np.testing.assert_array_equal(y, labels)


def test_load_mnist_folder_without_the_files(tmp_path, small_images):
    with pytest.raises(FileNotFoundError, match="does not exist or is not a folder"):
        load_mnist(tmp_path / "nowhere")
    folder = write_mnist(tmp_path / "mnist", "test", *small_images)
    with pytest.raises(
        FileNotFoundError,
        match="no train-images-idx3-ubyte.gz or train-images-idx3-ubyte in the MNIST folder",
    ):
        load_mnist(folder, "train")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(folder, "test")
    with pytest.raises(ValueError, match="split must be"):
        load_mnist(folder, "dev")


def test_load_mnist_files_of_the_wrong_kind(tmp_path, small_images):
    images, labels = small_images
    swapped = write_mnist(tmp_path / "swapped", "test", labels, images)
    with pytest.raises(ValueError, match="must hold MNIST images, a 3-d uint8 array"):
        load_mnist(swapped, "test")
    floats = write_mnist(tmp_path / "floats", "test", images.astype(np.float32), labels)
    with pytest.raises(ValueError, match="must hold MNIST images.*float32"):
        load_mnist(floats, "test")
    fewer = write_mnist(tmp_path / "fewer", "test", images, labels[:4])
    with pytest.raises(ValueError, match="holds 6 images but .* holds 4 labels"):
        load_mnist(fewer, "test")
    big_labels = write_mnist(tmp_path / "big", "test", images, labels + 10)
    with pytest.raises(ValueError, match="labels up to 15, expected digits 0-9"):
        load_mnist(big_labels, "test")
