"""predict's latency path (up to 64 rows of a float32 or float64 array in any order, or
one 1-D sample) gives the checked path's outputs bit for bit; ``predict(out=)`` writes
into the caller's array; `Network.predictor` is predict, also across threads."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fcnn
from fcnn.activations import Activation

WAIT = 20  # seconds before a test gives up on a thread, instead of hanging


def network(dtype):
    return fcnn.Network(
        [9, 7, 5, 4], ["tanh", "gelu", "softmax"], "log_likelihood", dtype=dtype, seed=0
    )


def layouts(X):
    """X in C order, Fortran order, with strides, and reversed (negative strides)."""
    strided = np.repeat(X, 2, axis=1)[:, ::2]
    return {"C": X, "F": np.asfortranarray(X), "strided": strided, "reversed": X[::-1, ::-1]}


@pytest.mark.parametrize("net_dtype", ["float64", "float32"])
@pytest.mark.parametrize("x_dtype", ["float64", "float32", "float16"])
def test_small_inputs_equal_the_checked_path_bit_for_bit(net_dtype, x_dtype):
    net = network(net_dtype)
    checked = net.internals.predict  # the checked path: conversion in NumPy, then the core
    rng = np.random.default_rng(1)
    for rows in range(1, 66):
        X = rng.normal(size=(rows, 9)).astype(x_dtype)
        for name, arranged in layouts(X).items():
            got = net.predict(arranged)
            assert got.dtype == np.dtype(net_dtype) and got.shape == (rows, 4)
            assert np.array_equal(got, checked(arranged)), (rows, name)
        for row in (X[0], np.repeat(X[0], 2)[::2], X[0, ::-1]):
            one = net.predict(row)
            assert one.shape == (4,) and np.array_equal(one, checked(row[None])[0])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_non_finite_input_in_a_small_batch_is_named(dtype):
    net = network(dtype)
    X = np.zeros((5, 9), dtype=np.float32)
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"X must be finite, found nan at index \(3, 2\)"):
        net.predict(np.asfortranarray(X))
    if dtype == "float32":
        with pytest.raises(ValueError, match="X in float32 must be finite"):
            net.predict(np.full((3, 9), 1e300))  # cast to inf


def test_a_network_with_feature_names_still_warns_about_unnamed_rows():
    net = network("float64")
    net.feature_names = [f"x{i}" for i in range(9)]
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        net.predict(np.zeros((2, 9)))


def test_user_defined_networks_predict_small_inputs_on_the_checked_path():
    class Cube(Activation):
        name = "cube"

        def __call__(self, z):
            return z**3

        def derivative(self, z):
            return 3 * z**2

    net = fcnn.Network([3, 2, 2], [Cube(), "sigmoid"], seed=0)
    X = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    out = np.empty((4, 2))
    assert net.predict(X, out=out) is out
    assert np.array_equal(out, net.internals.predict(X))


@pytest.mark.parametrize("rows", [1, 64, 65, 300])
def test_out_receives_the_outputs(rows):
    net = network("float64")
    X = np.random.default_rng(2).normal(size=(rows, 9)).astype(np.float32)
    expected = net.predict(X)
    out = np.full((rows, 4), np.nan)
    assert net.predict(X, out=out) is out
    assert np.array_equal(out, expected)
    listed = np.full((rows, 4), np.nan)  # a list takes the checked path, into out too
    assert net.predict(X.tolist(), out=listed) is listed and np.array_equal(listed, expected)
    one = np.empty(4)
    assert net.predict(X[0], out=one) is one and np.array_equal(one, expected[0])


def test_out_is_checked():
    net = network("float64")
    X = np.zeros((3, 9))
    bad = [
        ([[0.0] * 4] * 3, TypeError, "out must be a numpy array, got list"),
        (np.empty((3, 4), dtype=np.float32), TypeError, "dtype float64, got <f4"),
        (np.empty((3, 4), dtype=">f8"), TypeError, "dtype float64, got >f8"),
        (np.empty((2, 4)), ValueError, r"shape \(3, 4\), got \(2, 4\)"),
        (np.empty(12), ValueError, r"shape \(3, 4\), got \(12,\)"),
        (np.empty((3, 4), order="F"), ValueError, "out must be C-contiguous"),
        (np.empty((3, 8))[:, ::2], ValueError, "out must be C-contiguous"),
    ]
    for out, error, message in bad:
        with pytest.raises(error, match=message):
            net.predict(X, out=out)
    read_only = np.empty((3, 4))
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="out must be writeable"):
        net.predict(X, out=read_only)
    with pytest.raises(ValueError, match=r"out must have shape \(4,\), got \(1, 4\)"):
        net.predict(X[0], out=np.empty((1, 4)))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_predictor_is_predict_from_many_threads(dtype):
    net = network(dtype)
    predict = net.predictor()
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 9))
    tasks = [(int(rng.integers(0, 400)), int(size)) for size in rng.integers(0, 80, 400)]

    def run(start, size):
        rows = X[start] if size == 0 else X[start : start + size]
        out = np.empty((4,) if size == 0 else (size, 4), dtype=dtype)
        return predict(rows.astype(np.float32), out=out) if size % 2 else predict(rows)

    serial = [run(*task) for task in tasks]
    barrier = threading.Barrier(8)

    def worker(first):
        barrier.wait(WAIT)
        return [(k, run(*tasks[k])) for k in range(first, len(tasks), 8)]

    with ThreadPoolExecutor(8) as pool:
        results = [
            pair
            for future in [pool.submit(worker, i) for i in range(8)]
            for pair in future.result(WAIT)
        ]
    assert len(results) == len(tasks)
    for k, got in results:
        assert np.array_equal(got, serial[k])


def test_the_predictor_follows_the_network():
    net = network("float64")
    predict = net.predictor()
    X = np.random.default_rng(4).normal(size=(3, 9))
    net.biases[-1][0] = 5.0  # a live change of the parameters
    assert np.array_equal(predict(X), net.predict(X))
    other = fcnn.Network([9, 7, 5, 4], ["tanh", "gelu", "softmax"], "log_likelihood", seed=1)
    net.__setstate__(other.__getstate__())  # a whole new structure
    assert np.array_equal(predict(X), other.predict(X))
    assert repr(predict).startswith("Predictor(")
