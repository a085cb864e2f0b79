"""The public API's shapes, dtypes, live parameter views, and its errors on bad input."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import fcnn


@pytest.fixture
def net():
    return fcnn.Network([4, 5, 3], ["relu", "softmax"], "log_likelihood", seed=0)


def test_attributes(net):
    assert net.sizes == (4, 5, 3)
    assert net.dtype == np.float64
    assert [w.shape for w in net.weights] == [(5, 4), (3, 5)]
    assert [b.shape for b in net.biases] == [(5,), (3,)]
    assert [f.name for f in net.activations] == ["relu", "softmax"]
    assert "Network([4, 5, 3]" in repr(net)


def test_default_initialisation_scales_by_fan_in():
    net = fcnn.Network([400, 300, 2], seed=0)
    assert np.std(net.weights[0]) == pytest.approx(1 / np.sqrt(400), rel=0.02)
    assert np.std(net.biases[0]) == pytest.approx(1, rel=0.15)
    again = fcnn.Network([400, 300, 2], seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(net.weights, again.weights))


def test_parameter_views_are_live(net):
    x = np.ones(4)
    before = net.predict(x)
    net.weights[1][0, 0] += 5.0
    assert not np.allclose(net.predict(x), before)
    net.weights[1] = np.zeros((3, 5))
    net.biases[1] = [0.0, 0.0, np.log(2)]
    assert_allclose(net.predict(x), [0.25, 0.25, 0.5])
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(5, 4\)"):
        net.weights[0] = np.zeros((4, 5))
    with pytest.raises(ValueError, match="finite"):
        net.biases[0] = [np.nan] * 5


def test_predict_shapes(net):
    assert net.predict(np.zeros((7, 4))).shape == (7, 3)
    assert net.predict(np.zeros(4)).shape == (3,)
    assert net.predict([[0, 1, 2, 3]]).shape == (1, 3)
    assert_allclose(net.predict(np.zeros((7, 4))).sum(axis=1), 1)


def test_predict_in_chunks_equals_one_pass():
    net = fcnn.Network([6, 9, 4], ["tanh", "sigmoid"], seed=1)
    X = np.random.default_rng(0).normal(size=(1000, 6))  # more rows than one chunk
    trace = net.trace(X)
    assert_allclose(net.predict(X), trace.a[2], rtol=1e-14)


def test_trace_follows_the_notes(net):
    X = np.random.default_rng(1).normal(size=(3, 4))
    t = net.trace(X)
    assert t.z[0] is None and np.array_equal(t.a[0], X)
    for l in (1, 2):
        assert_allclose(t.z[l], t.a[l - 1] @ net.weights[l - 1].T + net.biases[l - 1], rtol=1e-13)
        assert_allclose(t.a[l], net.activations[l - 1](t.z[l]), rtol=1e-13)


def test_evaluate_accuracy_for_labels_and_one_hot(net):
    X = np.random.default_rng(2).normal(size=(20, 4))
    labels = net.predict(X).argmax(axis=1)
    assert net.evaluate(X, labels)["accuracy"] == 1.0
    assert net.evaluate(X, np.eye(3)[labels])["accuracy"] == 1.0
    assert net.evaluate(X, (labels + 1) % 3)["accuracy"] == 0.0
    regression = fcnn.Network([4, 2], "linear")
    assert "accuracy" not in regression.evaluate(X, np.random.default_rng(0).normal(size=(20, 2)))


def test_float32_network_keeps_float32(net):
    small = fcnn.Network([4, 3], "sigmoid", dtype="float32", seed=0)
    assert all(w.dtype == np.float32 for w in small.weights)
    assert small.predict(np.zeros(4)).dtype == np.float32
    assert small.trace(np.zeros((2, 4))).z[1].dtype == np.float32
    small.fit(np.zeros((5, 4)), np.zeros((5, 3)), epochs=1)
    assert all(w.dtype == np.float32 for w in small.weights)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(sizes=[4]), ValueError, "at least an input and an output"),
        (dict(sizes=[4, 0]), ValueError, r"sizes\[1\] must be an integer >= 1"),
        (dict(sizes=[4, 2.5]), TypeError, r"sizes\[1\] must be an integer"),
        (dict(sizes="784"), TypeError, "sizes must be a list"),
        (dict(sizes=[4, 3], activations="sigmoidd"), ValueError, "unknown activation 'sigmoidd'"),
        (dict(sizes=[4, 3, 2], activations=["relu"]), ValueError, "list of 2"),
        (
            dict(sizes=[4, 3, 2], activations=["softmax", "sigmoid"]),
            ValueError,
            "output layer only",
        ),
        (dict(sizes=[4, 3], cost="mse"), ValueError, "unknown cost 'mse'"),
        (
            dict(sizes=[4, 3], activations="relu", cost="cross_entropy"),
            ValueError,
            "must be 'sigmoid' or 'softmax', got 'relu'",
        ),
        (dict(sizes=[4, 3], dtype="float16"), ValueError, "float32' or 'float64', got float16"),
        (dict(sizes=[4, 3], seed=-1), ValueError, "seed must be an integer >= 0"),
    ],
)
def test_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        fcnn.Network(**kwargs)


@pytest.mark.parametrize(
    "X,match",
    [
        (np.zeros((3, 5)), r"X must have shape \(n_samples, 4\) or \(4,\), got \(3, 5\)"),
        (np.zeros((0, 4)), "no samples"),
        (np.zeros((2, 3, 4)), r"got \(2, 3, 4\)"),
        (np.array([[1, 2, np.nan, 4]]), r"X must be finite, found nan at index \(0, 2\)"),
        (np.array([[1, 2, np.inf, 4]]), "X must be finite"),
        (np.array([[1e300, 0, 0, 0]]), "X in float32 must be finite"),
    ],
)
def test_bad_inputs_are_named(X, match):
    net = fcnn.Network([4, 3], dtype="float32" if "float32" in match else "float64")
    with pytest.raises(ValueError, match=match):
        net.predict(X)


def test_bad_input_types():
    net = fcnn.Network([2, 2])
    with pytest.raises(TypeError, match="X must hold real numbers, got dtype <U1"):
        net.predict(["a", "b"])
    with pytest.raises(TypeError, match="complex"):
        net.predict(np.ones(2, dtype=complex))


@pytest.mark.parametrize(
    "Y,match",
    [
        (np.zeros((5, 2)), r"Y must have shape \(5, 3\)"),
        (np.zeros((4, 3)), "Y has 4 rows but X has 5 samples"),
        (np.array([0, 1, 2, 3, 1]), r"labels must lie in \[0, 3\), got values from 0 to 3"),
        (np.array([0, 1, 2, -1, 1]), r"labels must lie in \[0, 3\)"),
        (np.array([0, 1, 2]), "Y has 3 labels but X has 5 samples"),
        (np.array([0.5, 1, 2, 0, 1]), "integer class labels"),
        (np.full((5, 3), np.nan), "Y must be finite"),
    ],
)
def test_bad_targets_are_named(Y, match):
    net = fcnn.Network([4, 3])
    with pytest.raises(ValueError, match=match):
        net.fit(np.zeros((5, 4)), Y)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(lr=0), ValueError, r"lr must be a finite number > 0, got 0.0"),
        (dict(lr=float("nan")), ValueError, "lr must be a finite number"),
        (dict(lr="0.1"), TypeError, "lr must be a finite number"),
        (dict(epochs=-1), ValueError, "epochs must be an integer >= 0"),
        (dict(epochs=2.0), TypeError, "epochs must be an integer"),
        (dict(batch_size=0), ValueError, "batch_size must be an integer >= 1"),
        (dict(batch_size=True), TypeError, "batch_size must be an integer"),
        (dict(shuffle="yes"), TypeError, "shuffle must be True or False"),
        (dict(validation_data=np.zeros((5, 4))), TypeError, "validation_data must be a pair"),
        (
            dict(validation_data=(np.zeros((5, 3)), np.zeros(5, int))),
            ValueError,
            "X_val must have shape",
        ),
    ],
)
def test_bad_fit_arguments(kwargs, error, match):
    net = fcnn.Network([4, 3])
    with pytest.raises(error, match=match):
        net.fit(np.zeros((5, 4)), np.zeros(5, dtype=int), **kwargs)


def test_fit_refuses_a_network_with_non_finite_parameters():
    net = fcnn.Network([2, 1])
    net.weights[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        net.fit(np.zeros((3, 2)), np.zeros(3))


def test_batch_larger_than_data_is_one_full_batch():
    X, y = fcnn.datasets.xor()
    a, b = fcnn.Network([2, 2, 1], seed=3), fcnn.Network([2, 2, 1], seed=3)
    a.fit(X, y, batch_size=100, lr=1.0, shuffle=False)
    b.fit(X, y, batch_size=None, lr=1.0, shuffle=False)
    assert np.array_equal(a.weights[0], b.weights[0])


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("where", ["X", "Y"])
def test_fit_finds_non_finite_rows_as_the_core_reads_them(shuffle, where):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(500, 4)), rng.normal(size=(500, 3))
    (X if where == "X" else Y)[437, 1] = np.inf
    net = fcnn.Network([4, 5, 3], seed=0)
    before = net.theta.copy()
    with pytest.raises(ValueError, match=rf"{where} must be finite, found inf at index \(437, 1\)"):
        net.fit(X, Y, epochs=2, batch_size=16, shuffle=shuffle)
    assert np.array_equal(net.theta, before)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("hidden,batch_size", [(4, 1), (40, 1), (4, 16), (40, 16)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_finds_a_non_finite_input_even_where_its_weights_are_zero(
    dtype, bad, hidden, batch_size, shuffle
):
    """fit reads a batch's inputs again only when z^1 is not finite; inf * 0 and nan * 0
    are NaN, so an input that no weight uses is still found, through plain loops (tiny
    products), gemv (one row) and gemm alike, before any update."""
    net = fcnn.Network([6, hidden, 3], ["relu", "softmax"], "log_likelihood", dtype=dtype, seed=0)
    net.weights[0][:, 2] = 0.0
    X = np.random.default_rng(0).random((300, 6)).astype(dtype)
    y = np.arange(300) % 3
    X[250, 2] = bad
    before = net.theta.copy()
    with pytest.raises(ValueError, match=r"X must be finite, found .* at index \(250, 2\)"):
        net.fit(X, y, epochs=1, batch_size=batch_size, lr=0.1, shuffle=shuffle)
    assert np.array_equal(net.theta, before)


@pytest.mark.parametrize("row", range(0, 10))
def test_validation_split_rows_are_checked_on_either_side(row):
    X = np.random.default_rng(2).normal(size=(10, 4))
    X[row, 3] = np.nan
    with pytest.raises(ValueError, match=r"X must be finite, found nan"):
        fcnn.Network([4, 3], seed=0).fit(X, np.zeros(10, int), validation_split=0.5, seed=1)


def test_predict_finds_a_non_finite_row_in_a_late_chunk():
    net = fcnn.Network([4, 3], seed=0)
    X = np.random.default_rng(1).normal(size=(1000, 4))
    X[777, 2] = np.nan
    with pytest.raises(ValueError, match=r"X must be finite, found nan at index \(777, 2\)"):
        net.predict(X)
    with pytest.raises(ValueError, match=r"X in float32 must be finite"):
        fcnn.Network([4, 3], dtype="float32").predict(np.full((300, 4), 1e300))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_one_sample_latency_path_agrees_with_the_batch_path(dtype):
    net = fcnn.Network([7, 5, 3], ["tanh", "softmax"], "log_likelihood", dtype=dtype, seed=0)
    X = np.random.default_rng(1).normal(size=(6, 7)).astype(dtype)
    for i, row in enumerate(X):
        one = net.predict(row)  # 1-D, C-contiguous, the network's dtype: the latency path
        assert one.dtype == np.dtype(dtype) and one.shape == (3,)
        # the same products as a one-row batch through the checked path, so bit for bit
        assert np.array_equal(one, net.predict(X[i : i + 1].tolist())[0])
        assert_allclose(one, net.predict(X)[i], rtol=1e-5 if dtype == "float32" else 1e-12)
    net.weights[0][0, 0] = 2.0  # a live change of the parameters is seen at once
    assert np.array_equal(net.predict(X[0]), net.predict(X[:1])[0])
    for bad in (np.nan, np.inf, -np.inf):
        row = X[0].copy()
        row[4] = bad
        with pytest.raises(ValueError, match="X must be finite"):
            net.predict(row)
    # what the latency path does not take goes the checked way: other byte orders,
    # strides, misaligned data, subclasses, lists
    swapped = X[0].astype(X.dtype.newbyteorder())
    strided = np.repeat(X[0], 2)[::2]
    for other in (swapped, strided, misaligned(X[0]), np.ma.masked_array(X[0]), X[0].tolist()):
        assert np.array_equal(net.predict(other), net.predict(X[0]))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_predict_finds_a_non_finite_input_even_where_its_weights_are_zero(dtype, bad):
    """predict reads a chunk's inputs again only when z^1 is not finite; inf * 0 and
    nan * 0 are NaN, so an input that no weight uses is still found."""
    net = fcnn.Network([6, 4, 2], dtype=dtype, seed=0)
    net.weights[0][:, 2] = 0.0
    X = np.random.default_rng(0).random((700, 6)).astype(dtype)  # more than one chunk
    X[650, 2] = bad
    with pytest.raises(ValueError, match=r"X must be finite, found .* at index \(650, 2\)"):
        net.predict(X)
    with pytest.raises(ValueError, match="X must be finite"):
        net.predict(X[650])
    huge = np.full((3, 6), np.finfo(dtype).max, dtype=dtype)  # finite, z^1 overflows
    assert net.predict(huge).shape == (3, 2)


def misaligned(array):
    """A copy of array whose data start one byte past an aligned address."""
    raw = np.zeros(array.nbytes + 1, dtype=np.uint8)
    copy = raw[1:].view(array.dtype).reshape(array.shape)
    copy[...] = array
    assert not copy.flags.aligned
    return copy


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_misaligned_arrays_are_copied_before_the_core_reads_them(dtype):
    """numpy keeps a misaligned view C-contiguous and of the right dtype as it is; the
    core's typed loads need alignment (UBSan in CI would report them)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)).astype(dtype)
    labels = rng.integers(0, 3, 40).astype(np.intp)
    Y = np.eye(3, dtype=dtype)[labels]
    weights = rng.random(40).astype(dtype)
    results = []
    for arrays in [(X, labels, Y, weights), tuple(misaligned(a) for a in (X, labels, Y, weights))]:
        x, lab, y, w = arrays
        net = fcnn.Network([5, 4, 3], ["tanh", "softmax"], "log_likelihood", dtype=dtype, seed=0)
        net.fit(x, lab, epochs=2, batch_size=8, lr=0.1, seed=1, sample_weight=w)
        net.fit(x, y, epochs=1, batch_size=8, lr=0.1, seed=2)
        results.append((net.theta.copy(), net.predict(x), net.evaluate(x, lab)["cost"]))
    assert np.array_equal(results[0][0], results[1][0])
    assert np.array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]


def test_parameter_lists_behave_as_sequences_of_live_views():
    net = fcnn.Network([2, 3, 1], "relu", seed=0)
    both = net.weights + net.biases
    assert isinstance(both, list) and len(both) == 4 and both[0] is net.weights[0]
    assert len([np.zeros(1)] + net.weights) == 3
    copies = [w.copy() for w in net.weights]
    assert net.weights == copies
    assert (net.weights != copies) is False
    assert net.weights != [w + 1 for w in copies] and net.weights != copies[:1]
    assert net.params == [{k: v.copy() for k, v in layer.items()} for layer in net.params]
    assert repr(net.biases) == "ParameterList('biases', shapes=[(3,), (1,)], dtype='float64')"
    net.weights[0][0, 0] = 7.0
    assert net.theta[0] == 7.0 and net.params[0]["w"][0, 0] == 7.0
    with pytest.raises(TypeError, match="dict of live views"):
        net.params[0] = {}
