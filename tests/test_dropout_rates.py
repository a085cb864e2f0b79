"""Per-layer dropout rates and input dropout: the masks against a NumPy computation of
the core's draws, equal rates as one rate, and the rates refused before training."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from test_regularization import check_gradient

import fcnn

MASK64 = 2**64 - 1


def uniforms(seed, count):
    """The core's uniform draws in [0, 1) from `seed` (SplitMix64, _random.pxd)."""
    state, out = seed, np.empty(count)
    for i in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        r = state
        r = ((r ^ (r >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        r = ((r ^ (r >> 27)) * 0x94D049BB133111EB) & MASK64
        out[i] = ((r ^ (r >> 31)) >> 11) * (1.0 / 9007199254740992.0)
    return out


def masks(seed, rates, shapes):
    """The inverted-dropout factors drawn in turn for each (rate, shape); None for 0."""
    draws = uniforms(seed, sum(int(np.prod(s)) for p, s in zip(rates, shapes) if p))
    out, used = [], 0
    for p, shape in zip(rates, shapes):
        if not p:
            out.append(None)
            continue
        u = draws[used : used + int(np.prod(shape))].reshape(shape)
        used += u.size
        out.append(np.where(u >= p, 1 / (1 - p), 0.0))
    return out


def mask_seed(seed):
    """The seed of Network.gradients' masks."""
    return int(np.random.default_rng(seed).integers(2**63))


def reference_gradient(net, X, y, rates, seed):
    """The gradient of the mean log-likelihood of a tanh-sigmoid-softmax network under
    the masks the core draws from seed, rates[0] the inputs', then each hidden layer's."""
    W, b = net.weights, net.biases
    factors = masks(seed, rates, [X.shape] + [(X.shape[0], w.shape[0]) for w in W[:-1]])
    a = [X if factors[0] is None else X * factors[0]]
    zs = []
    for k, f in enumerate([np.tanh, lambda z: 1 / (1 + np.exp(-z))]):
        zs.append(a[-1] @ W[k].T + b[k])
        a.append(f(zs[-1]) if factors[k + 1] is None else f(zs[-1]) * factors[k + 1])
    z = a[-1] @ W[2].T + b[2]
    out = np.exp(z - z.max(axis=1, keepdims=True))
    out /= out.sum(axis=1, keepdims=True)
    delta = out - np.eye(3)[y]
    grads = []
    derivatives = [lambda z: 1 - np.tanh(z) ** 2, lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2]
    for k in (2, 1, 0):
        grads = [delta.T @ a[k] / len(X), delta.sum(axis=0) / len(X), *grads]
        if k:
            delta = delta @ W[k]
            if factors[k] is not None:
                delta = delta * factors[k]
            delta = delta * derivatives[k - 1](zs[k - 1])
    return np.concatenate([g.ravel() for g in grads[0::2]] + [g for g in grads[1::2]])


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(7, 4)), rng.integers(3, size=7)


def small_net():
    return fcnn.Network([4, 6, 5, 3], ["tanh", "sigmoid", "softmax"], "log_likelihood", seed=1)


def flat(net, grads):
    """The gradient in reference_gradient's order: every weight matrix, then the biases."""
    return np.concatenate([g.ravel() for g in grads.grad_w] + list(grads.grad_b))


@pytest.mark.parametrize(
    "dropout, input_dropout",
    [(0.4, 0.0), ([0.0, 0.5], 0.0), ([0.3, 0.0], 0.0), (0.0, 0.25), ([0.2, 0.6], 0.3)],
)
def test_the_masks_are_the_core_draws(data, dropout, input_dropout):
    X, y = data
    net = small_net()
    rates = [input_dropout, *np.broadcast_to(dropout, 2)]
    grads = net.gradients(X, y, dropout=dropout, input_dropout=input_dropout, seed=5)
    expected = reference_gradient(net, X, y, rates, mask_seed(5))
    assert_allclose(flat(net, grads), expected, rtol=1e-12, atol=1e-15)


def test_a_rate_of_zero_leaves_its_layer_unmasked(data):
    X, y = data
    net = small_net()
    first_only = net.gradients(X, y, dropout=[0.5, 0.0], seed=2)
    assert (first_only.delta[1] == 0).any()  # dropped units pass no error back
    assert not (first_only.delta[2] == 0).any()
    second_only = net.gradients(X, y, dropout=[0.0, 0.5], seed=2)
    assert not (second_only.delta[1] == 0).any()
    assert (second_only.delta[2] == 0).any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equal_rates_are_the_single_rate(data, dtype):
    X, y = data
    results = []
    for dropout in (0.3, [0.3, 0.3], (0.3, 0.3), np.array([0.3, 0.3])):
        net = fcnn.Network(
            [4, 6, 5, 3], ["relu", "tanh", "softmax"], "log_likelihood", dtype=dtype, seed=1
        )
        grads = net.gradients(X, y, dropout=dropout, seed=4).flat.copy()
        history = net.fit(X, y, epochs=3, batch_size=3, lr=0.1, dropout=dropout, seed=2)
        results.append((grads, net.theta.copy(), history.cost))
    for grads, theta, cost in results[1:]:
        assert np.array_equal(grads, results[0][0])
        assert np.array_equal(theta, results[0][1])
        assert cost == results[0][2]


def test_input_dropout_gradient_under_a_fixed_mask(data):
    X, y = data
    g = check_gradient(small_net(), X, y, input_dropout=0.4, dropout=[0.2, 0.0], seed=3)
    assert not np.allclose(g, small_net().gradients(X, y).flat)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_input_dropout_trains_on_the_masked_rows(sparse, shuffle):
    """One full-batch SGD step with input dropout is the step on the masked rows (the
    epoch's seed draws the shuffle first, then the mask)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 4)) * (rng.uniform(size=(9, 4)) < 0.6)
    y = rng.integers(3, size=9)
    seed = int(np.random.default_rng(7).integers(2**63))  # the first epoch's
    net = small_net()
    order, state = core_shuffle(9, seed) if shuffle else (np.arange(9), seed)
    rows = X[order]
    values = rows[rows != 0] if sparse else rows.ravel()
    factors = masks_from_state(state, 0.3, values.size)
    masked = rows.copy()
    if sparse:
        masked[masked != 0] = values * factors
    else:
        masked = (values * factors).reshape(rows.shape)
    inputs = sp.csr_matrix(X) if sparse else X
    options = dict(epochs=1, batch_size=9, optimizer=fcnn.SGD(0.5), shuffle=shuffle, seed=7)
    net.fit(inputs, y, input_dropout=0.3, **options)
    reference = small_net()
    masked_in = sp.csr_matrix(masked) if sparse else masked
    reference.fit(masked_in, y[order], **{**options, "shuffle": False})
    assert np.array_equal(net.theta, reference.theta)
    step = small_net()
    expected = step.theta - 0.5 * step.gradients(masked, y[order]).flat
    assert_allclose(net.theta, expected, rtol=1e-12, atol=1e-14)


def core_shuffle(n, seed):
    """The core's order of n rows from seed (shuffle_in_place), and the generator's state
    after it, where the masks start."""
    order, state = np.arange(n), seed
    for i in range(n - 1, 0, -1):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        r = state
        r = ((r ^ (r >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        r = ((r ^ (r >> 27)) * 0x94D049BB133111EB) & MASK64
        j = (r ^ (r >> 31)) % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order, state


def masks_from_state(state, rate, count):
    return masks(state, [rate], [(count,)])[0]


def test_input_dropout_needs_no_hidden_layer(data):
    X, y = data
    net = fcnn.Network([4, 3], "softmax", "log_likelihood", seed=0)
    grads = net.gradients(X, y, input_dropout=0.5, seed=1)
    factors = masks(mask_seed(1), [0.5], [X.shape])[0]
    assert_allclose(grads.flat, net.gradients(X * factors, y).flat, rtol=1e-13)
    net.fit(X, y, epochs=2, batch_size=3, lr=0.1, input_dropout=0.5, seed=0)


@pytest.mark.parametrize(
    "options, match",
    [
        (dict(dropout=[0.2]), r"one rate per hidden layer \(2\)"),
        (dict(dropout=[0.2, 0.3, 0.1]), r"one rate per hidden layer \(2\)"),
        (dict(dropout=[[0.2, 0.3]]), r"one rate per hidden layer \(2\)"),
        (dict(dropout=[0.2, 1.0]), r"dropout\[1\] must be a finite number in \[0, 1\)"),
        (dict(dropout=[-0.1, 0.0]), r"dropout\[0\] must be a finite number in \[0, 1\)"),
        (dict(dropout=[0.2, float("nan")]), r"dropout\[1\] must be a finite number"),
        (dict(input_dropout=1.0), r"input_dropout must be a finite number in \[0, 1\)"),
        (dict(input_dropout=-0.5), r"input_dropout must be a finite number in \[0, 1\)"),
    ],
)
def test_bad_rates_are_refused_before_training(data, options, match):
    X, y = data
    net = small_net()
    before = net.theta.copy()
    with pytest.raises(ValueError, match=match):
        net.fit(X, y, epochs=1, lr=0.1, **options)
    with pytest.raises(ValueError, match=match):
        net.gradients(X, y, **options)
    assert np.array_equal(net.theta, before)


def test_lbfgs_refuses_input_dropout(data):
    X, y = data
    with pytest.raises(ValueError, match="takes no dropout"):
        small_net().fit(X, y, optimizer=fcnn.LBFGS(), input_dropout=0.2)
    with pytest.raises(ValueError, match="takes no dropout"):
        small_net().fit(X, y, optimizer=fcnn.LBFGS(), dropout=[0.0, 0.2])
    small_net().fit(X, y, optimizer=fcnn.LBFGS(max_iter=2), dropout=[0.0, 0.0])


def test_the_estimators_take_a_rate_per_hidden_layer(data):
    fcnn_sklearn = pytest.importorskip("fcnn.sklearn")
    X, y = data
    options = dict(epochs=3, tol=None, random_state=0)
    one = fcnn_sklearn.FCNNClassifier((6, 5), dropout=0.3, **options).fit(X, y)
    each = fcnn_sklearn.FCNNClassifier((6, 5), dropout=[0.3, 0.3], **options).fit(X, y)
    assert np.array_equal(one.predict_proba(X), each.predict_proba(X))
    with pytest.raises(ValueError, match="one rate per hidden layer"):
        fcnn_sklearn.FCNNClassifier((6,), dropout=[0.3, 0.3], epochs=1).fit(X, y)
