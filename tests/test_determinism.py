"""Determinism: the same seeds give the same bits (with one BLAS thread), in float64 and
float32, with shuffling, dropout, regularization and every optimizer; the order of the
rows in a batch changes a result by float rounding only."""

import numpy as np
import pytest
from conftest import RTOL

import fcnn

threadpoolctl = pytest.importorskip("threadpoolctl")

OPTIMIZERS = {
    "sgd": lambda: fcnn.SGD(0.3),
    "nesterov": lambda: fcnn.SGD(0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda: fcnn.Adam(1e-2),
    "adamw": lambda: fcnn.AdamW(1e-2),
    "rmsprop": lambda: fcnn.RMSProp(1e-2),
    "adagrad": lambda: fcnn.AdaGrad(0.1),
    "rprop": lambda: fcnn.Rprop(0.01),
}


def data(n=120, features=9, classes=4):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, features)), rng.integers(classes, size=n)


def trained(dtype, optimizer, seed=7, fit_seed=None):
    X, y = data()
    net = fcnn.Network(
        [9, 16, 12, 4], ["relu", "prelu", "softmax"], "log_likelihood", dtype=dtype, seed=seed
    )
    history = net.fit(
        X,
        y,
        epochs=3,
        batch_size=16,
        optimizer=OPTIMIZERS[optimizer](),
        dropout=0.25,
        l2=0.1,
        l1=0.01,
        shuffle=True,
        validation_split=0.2,
        lr_schedule="exponential",
        seed=fit_seed,
    )
    return net, history


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_same_seed_gives_the_same_bits(dtype, optimizer):
    with fcnn.threads.limit(1):
        net, history = trained(dtype, optimizer)
        again, history_again = trained(dtype, optimizer)
        other, _ = trained(dtype, optimizer, seed=8)
        reshuffled, _ = trained(dtype, optimizer, fit_seed=123)
    assert net.theta.dtype == np.dtype(dtype)
    assert np.array_equal(net.theta, again.theta)
    assert all(np.array_equal(s, t) for s, t in zip(net.optimizer.states, again.optimizer.states))
    assert history.cost == history_again.cost and history.val_cost == history_again.val_cost
    assert net.state()[0]["rng"] == again.state()[0]["rng"]
    # the seeds matter: another initialisation, or another shuffle and dropout
    assert not np.array_equal(net.theta, other.theta)
    assert not np.array_equal(net.theta, reshuffled.theta)


def test_a_fit_seed_fixes_the_shuffle_and_dropout_whatever_came_before():
    X, y = data()
    with fcnn.threads.limit(1):
        a = fcnn.Network([9, 8, 4], ["tanh", "softmax"], "log_likelihood", seed=1)
        b = fcnn.Network([9, 8, 4], ["tanh", "softmax"], "log_likelihood", seed=1)
        a.fit(X, y, epochs=1, lr=0.1, seed=3)  # a's own generator untouched
        b.fit(X, y, epochs=2, lr=0.1)  # b's generator drawn from
        for net in (a, b):
            net.theta[...] = 0.1
            net.fit(X, y, epochs=2, lr=0.1, dropout=0.3, seed=4)
    assert np.array_equal(a.theta, b.theta)


def test_float32_starts_from_the_float64_initialisation_rounded():
    for init in fcnn.initializers.SCHEMES:
        wide = fcnn.Network([7, 5, 3], dtype="float64", init=init, seed=11)
        narrow = fcnn.Network([7, 5, 3], dtype="float32", init=init, seed=11)
        assert np.array_equal(narrow.theta, wide.theta.astype(np.float32))


def test_dropout_gradients_follow_their_seed():
    X, y = data()
    net = fcnn.Network([9, 16, 4], ["relu", "softmax"], "log_likelihood", seed=0)
    with fcnn.threads.limit(1):
        first = net.gradients(X, y, dropout=0.5, seed=1).flat.copy()
        again = net.gradients(X, y, dropout=0.5, seed=1).flat.copy()
        other = net.gradients(X, y, dropout=0.5, seed=2).flat.copy()
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def relative_difference(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_full_batch_results_do_not_depend_on_row_order(dtype):
    """A permutation changes only the order of the sums over rows: rounding, ~1e-16
    relative per addition in float64 (~1e-7 in float32)."""
    X, y = data(n=500)
    weights = np.random.default_rng(1).uniform(0.2, 3, size=500)
    order = np.random.default_rng(2).permutation(500)
    net = fcnn.Network(
        [9, 16, 12, 4], ["tanh", "prelu", "softmax"], "log_likelihood", dtype=dtype, seed=3
    )
    tolerance = RTOL[np.dtype(dtype).type]
    for kwargs in (dict(), dict(l2=0.5, l1=0.1)):
        g = net.gradients(X, y, sample_weight=weights, **kwargs)
        p = net.gradients(X[order], y[order], sample_weight=weights[order], **kwargs)
        assert relative_difference(p.flat, g.flat) <= tolerance
        assert p.cost == pytest.approx(g.cost, rel=tolerance)
        # per-sample deltas move with their rows
        assert relative_difference(p.delta[1], g.delta[1][order]) <= tolerance
    scores = net.evaluate(X, y, sample_weight=weights)
    permuted = net.evaluate(X[order], y[order], sample_weight=weights[order])
    assert permuted["cost"] == pytest.approx(scores["cost"], rel=tolerance)
    assert permuted["accuracy"] == pytest.approx(scores["accuracy"], rel=tolerance)

    twin = fcnn.Network(
        [9, 16, 12, 4], ["tanh", "prelu", "softmax"], "log_likelihood", dtype=dtype, seed=3
    )
    net.fit(X, y, epochs=3, batch_size=None, shuffle=False, optimizer=fcnn.Adam(1e-2))
    twin.fit(
        X[order], y[order], epochs=3, batch_size=None, shuffle=False, optimizer=fcnn.Adam(1e-2)
    )
    assert relative_difference(twin.theta, net.theta) <= 10 * tolerance
