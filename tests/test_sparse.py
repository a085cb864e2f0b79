"""Sparse input: a CSR (or any scipy.sparse) X trains, predicts, evaluates and
back-propagates as its dense copy does, to rounding (the core's layer-1 products run over
the nonzeros in another order of summation); bad sparse input gets a clear error; the
user's matrix is never changed."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

import fcnn

OPTIMIZERS = {
    "sgd": lambda: fcnn.optimizers.SGD(0.1),
    "momentum": lambda: fcnn.optimizers.SGD(0.1, momentum=0.9),
    "nesterov": lambda: fcnn.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: fcnn.optimizers.Adam(0.01),
    "adamw": lambda: fcnn.optimizers.AdamW(0.01, weight_decay=0.01),
    "rmsprop": lambda: fcnn.optimizers.RMSProp(0.01),
    "adagrad": lambda: fcnn.optimizers.AdaGrad(0.05),
    "rprop": lambda: fcnn.optimizers.Rprop(0.01),
}


def data(n=240, features=60, classes=3, density=0.08, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = sp.random(n, features, density=density, format="lil", random_state=seed, dtype=dtype)
    X[5] = 0  # an empty row
    X = X.tocsr() * 3
    return X, rng.integers(0, classes, size=n)


def network(dtype="float64", hidden="relu"):
    return fcnn.Network(
        [60, 16, 8, 3], [hidden, "tanh", "softmax"], "log_likelihood", dtype=dtype, seed=0
    )


def relative(a, b):
    """The relative difference of two parameter vectors, in the 2-norm."""
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("shuffle", [True, False])
def test_sparse_and_dense_copies_train_the_same_parameters(name, shuffle):
    X, y = data()
    trained = []
    for inputs in (X, X.toarray()):
        net = network()
        net.fit(
            inputs,
            y,
            epochs=3,
            batch_size=16,
            optimizer=OPTIMIZERS[name](),
            shuffle=shuffle,
            seed=3,
        )
        trained.append(net)
    assert relative(trained[0].theta, trained[1].theta) < 1e-12
    assert trained[0].optimizer.t == trained[1].optimizer.t


@pytest.mark.parametrize(
    "options",
    [
        dict(l1=0.01),
        dict(l2=0.5),
        dict(dropout=0.3),
        dict(sample_weight=np.linspace(0.5, 2, 240)),
        dict(validation_split=0.2),
    ],
)
def test_regularization_dropout_weights_and_held_out_rows_on_sparse_input(options):
    X, y = data()
    trained = []
    for inputs in (X, X.toarray()):
        net = network()
        history = net.fit(inputs, y, epochs=2, batch_size=10, lr=0.2, seed=1, **options)
        trained.append((net, history))
    assert relative(trained[0][0].theta, trained[1][0].theta) < 1e-12
    assert_allclose(trained[0][1].cost, trained[1][1].cost, rtol=1e-12)


def test_float32_sparse_input_matches_dense_to_float32_rounding():
    X, y = data(dtype=np.float32)
    trained = []
    for inputs in (X, X.toarray()):
        net = network("float32")
        net.fit(inputs, y, epochs=2, batch_size=16, lr=0.1, seed=1)
        trained.append(net)
    assert_allclose(trained[0].theta, trained[1].theta, rtol=1e-4, atol=1e-5)


def test_predict_evaluate_gradients_and_trace_take_sparse_input():
    X, y = data()
    net = network()
    net.fit(X, y, epochs=1, lr=0.1, seed=0)
    dense = X.toarray()
    assert_allclose(net.predict(X), net.predict(dense), rtol=1e-13, atol=1e-15)
    scores, dense_scores = net.evaluate(X, y), net.evaluate(dense, y)
    assert scores["accuracy"] == dense_scores["accuracy"]
    assert_allclose(scores["cost"], dense_scores["cost"], rtol=1e-13)
    sparse_grads, dense_grads = (
        net.gradients(X[:30], y[:30], l2=1.0),
        net.gradients(dense[:30], y[:30], l2=1.0),
    )
    assert_allclose(sparse_grads.flat, dense_grads.flat, rtol=1e-12, atol=1e-15)
    assert_allclose(sparse_grads.cost, dense_grads.cost, rtol=1e-13)
    trace = net.trace(X[:7])
    for z, z_dense in zip(trace.z[1:], net.trace(dense[:7]).z[1:]):
        assert_allclose(z, z_dense, rtol=1e-13, atol=1e-15)


def test_gradcheck_passes_on_sparse_input():
    X, y = data()
    net = network(hidden="sigmoid")
    report = fcnn.gradcheck(net, X[:8], y[:8])
    assert report.passed, report


@pytest.mark.parametrize("kind", ["csc", "coo", "dok", "lil", "bsr", "csr_array"])
def test_every_scipy_format_is_taken(kind):
    X, y = data()
    converted = sp.csr_array(X) if kind == "csr_array" else X.asformat(kind)
    net, reference = network(), network()
    net.fit(converted, y, epochs=1, lr=0.1, seed=0)
    reference.fit(X, y, epochs=1, lr=0.1, seed=0)
    assert np.array_equal(net.theta, reference.theta)
    assert np.array_equal(net.predict(converted), reference.predict(X))


def test_unsorted_and_duplicate_indices_are_summed_and_the_users_matrix_kept():
    X, y = data()
    canonical = X.copy()
    # the same matrix with each row's entries reversed and its first entry split in two
    rows, data_, indices = [], [], []
    for i in range(X.shape[0]):
        start, end = X.indptr[i], X.indptr[i + 1]
        values, columns = list(X.data[start:end][::-1]), list(X.indices[start:end][::-1])
        if values:
            values = [values[0] / 2, values[0] / 2] + values[1:]
            columns = [columns[0]] + columns
        rows.append(len(values))
        data_ += values
        indices += columns
    messy = sp.csr_matrix(
        (np.array(data_), np.array(indices), np.r_[0, np.cumsum(rows)]), shape=X.shape
    )
    assert not messy.has_canonical_format
    before = (messy.data.copy(), messy.indices.copy(), messy.indptr.copy())
    net, reference = network(), network()
    net.fit(messy, y, epochs=1, lr=0.1, seed=0)
    reference.fit(canonical, y, epochs=1, lr=0.1, seed=0)
    assert_allclose(net.theta, reference.theta, rtol=1e-12)
    assert all(
        np.array_equal(a, b) for a, b in zip(before, (messy.data, messy.indices, messy.indptr))
    )


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_index_dtypes(index_dtype):
    X, y = data()
    converted = sp.csr_matrix(
        (X.data, X.indices.astype(index_dtype), X.indptr.astype(index_dtype)), shape=X.shape
    )
    net, reference = network(), network()
    net.fit(converted, y, epochs=1, lr=0.1, seed=0)
    reference.fit(X.toarray(), y, epochs=1, lr=0.1, seed=0)
    assert relative(net.theta, reference.theta) < 1e-12


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("entry", ["fit", "predict", "evaluate", "gradients"])
def test_non_finite_stored_values_are_named_by_row_and_column(value, entry):
    X, y = data()
    X = X.tolil()
    X[17, 42] = value
    X = X.tocsr()
    net = network()
    call = {
        "fit": lambda: net.fit(X, y, epochs=1, lr=0.1),
        "predict": lambda: net.predict(X),
        "evaluate": lambda: net.evaluate(X, y),
        "gradients": lambda: net.gradients(X, y),
    }[entry]
    with pytest.raises(
        ValueError, match=r"X must be finite, found -?(nan|inf) at index \(17, 42\)"
    ):
        call()


def test_values_that_overflow_float32_are_named():
    X, y = data()
    X = X.tolil()
    X[3, 7] = 1e39
    net = network("float32")
    with pytest.raises(
        ValueError, match=r"X in float32 must be finite, found inf at index \(3, 7\)"
    ):
        net.predict(X.tocsr())


def test_a_column_count_that_differs_from_the_network_is_refused():
    X, y = data(features=59)
    with pytest.raises(ValueError, match="X has 59 features, but the network expects 60"):
        network().fit(X, y, epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="X has 59 features"):
        network().predict(X)


def test_validation_data_may_be_sparse_and_early_stopping_works():
    X, y = data()
    net = network()
    history = net.fit(
        X[:200],
        y[:200],
        epochs=6,
        lr=0.1,
        seed=0,
        validation_data=(X[200:], y[200:]),
        early_stopping=True,
        patience=1,
    )
    assert len(history.val_cost) == history.epochs


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["csr", "csc", "coo"])
def test_the_estimators_take_sparse_input(kind):
    pytest.importorskip("sklearn")
    from fcnn.sklearn import FCNNClassifier, FCNNRegressor

    X, y = data()
    sparse, dense = X.asformat(kind), X.toarray()
    for model in (FCNNClassifier, FCNNRegressor):
        target = y if model is FCNNClassifier else y.astype(float)
        fitted = [
            model(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(inputs, target)
            for inputs in (sparse, dense)
        ]
        assert relative(fitted[0].network_.theta, fitted[1].network_.theta) < 1e-12
        assert_allclose(fitted[0].predict(sparse), fitted[1].predict(dense), rtol=1e-10)
        fitted[0].partial_fit(sparse, target)


def test_a_stream_of_sparse_chunks_and_partial_fit():
    X, y = data()
    whole, streamed, partial = network(), network(), network()
    whole.fit(X, y, epochs=2, batch_size=16, lr=0.1, shuffle=False)
    chunks = [(X[i : i + 50], y[i : i + 50]) for i in range(0, X.shape[0], 50)]
    streamed.fit(chunks, epochs=2, batch_size=16, lr=0.1, shuffle=False, shuffle_buffer=2)
    for _ in range(2):
        partial.partial_fit(X, y, batch_size=16, lr=0.1, shuffle=False)
    assert relative(streamed.theta, whole.theta) < 1e-12
    assert relative(partial.theta, whole.theta) < 1e-12
    shuffled = network()
    shuffled.fit(chunks, epochs=2, batch_size=16, lr=0.1, seed=0)  # gathered CSR rows
    assert np.isfinite(shuffled.theta).all()
