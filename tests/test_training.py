"""fit, step and the epoch loop: they follow the textbook algorithm and really train."""

import inspect

import numpy as np
import pytest
from numpy.testing import assert_allclose

import fcnn
from fcnn import reference
from fcnn.datasets import xor


def reference_copy(net):
    return [w.copy() for w in net.weights], [b.copy() for b in net.biases]


@pytest.mark.parametrize("batch_size", [1, 3, 7, None])
def test_an_unshuffled_epoch_is_the_reference_sgd_loop(batch_size):
    """10 examples in batches of 3 end on a partial batch of 1: it is used, not dropped."""
    rng = np.random.default_rng(0)
    net = fcnn.Network([4, 6, 5, 3], ["tanh", "relu", "softmax"], "log_likelihood", seed=2)
    X = rng.normal(size=(10, 4))
    y = rng.integers(3, size=10)
    weights, biases = reference_copy(net)
    history = net.fit(X, y, epochs=2, batch_size=batch_size, lr=0.3, shuffle=False)
    costs = [
        reference.sgd_epoch(
            weights, biases, net.activations, net.cost, X, np.eye(3)[y], batch_size or 10, 0.3
        )
        for _ in range(2)
    ]
    assert_allclose(history.cost, costs, rtol=1e-12)
    for ours, theirs in zip(list(net.weights) + list(net.biases), weights + biases):
        assert_allclose(ours, theirs, rtol=1e-11, atol=1e-14)


def test_full_batch_fit_is_one_step_per_epoch():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    a = fcnn.Network([3, 4, 2], ["sigmoid", "linear"], seed=1)
    b = fcnn.Network([3, 4, 2], ["sigmoid", "linear"], seed=1)
    history = a.fit(X, Y, epochs=3, batch_size=None, lr=0.5)
    costs = [b.step(X, Y, lr=0.5) for _ in range(3)]
    assert_allclose(history.cost, costs, rtol=1e-13)
    for wa, wb in zip(a.weights, b.weights):
        assert_allclose(wa, wb, rtol=1e-13)


def test_shuffled_epoch_visits_every_example_once():
    """With lr tiny the update is linear in the gradients, so the epoch's total change
    equals the sum of per-example gradients whatever the order."""
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 2))
    net = fcnn.Network([3, 2], "linear", seed=0)
    w0 = net.weights[0].copy()
    lr = 1e-7
    expected = -lr * sum(net.gradients(X[i], Y[i]).grad_w[0] for i in range(9))
    net.fit(X, Y, epochs=1, batch_size=1, lr=lr, seed=5)
    assert_allclose(net.weights[0] - w0, expected, rtol=1e-5)


def test_shuffling_is_seeded_and_reproducible():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(50, 4)), rng.integers(3, size=50)

    def train(seed):
        net = fcnn.Network([4, 5, 3], seed=1)
        net.fit(X, y, epochs=2, batch_size=5, lr=1.0, seed=seed)
        return net.weights[0].copy()

    assert np.array_equal(train(8), train(8))
    assert not np.array_equal(train(8), train(9))
    unshuffled = fcnn.Network([4, 5, 3], seed=1)
    unshuffled.fit(X, y, epochs=2, batch_size=5, lr=1.0, shuffle=False)
    assert not np.array_equal(train(8), unshuffled.weights[0])


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_labels_train_exactly_as_their_one_hot_rows(shuffle, dtype):
    """With labels the core writes a shuffled batch's target rows from them instead of
    gathering rows of Y: the same numbers either way, cost and accuracy included."""
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(203, 4)), rng.integers(3, size=203)
    weights = rng.uniform(0.5, 2, size=203)
    runs = []
    for targets in (y, np.eye(3)[y]):
        net = fcnn.Network([4, 5, 3], ["tanh", "softmax"], "log_likelihood", dtype=dtype, seed=1)
        history = net.fit(
            X,
            targets,
            epochs=3,
            batch_size=16,
            lr=0.5,
            seed=2,
            shuffle=shuffle,
            sample_weight=weights,
        )
        runs.append((net.theta.copy(), history.cost, history.accuracy))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1:] == runs[1][1:]


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_labels_train_as_their_one_hot_rows_where_the_softmax_underflows(shuffle, dtype):
    """Softmax with the log-likelihood reads a class label directly (cost -ln a_label,
    BP1 a - y); where a_label has underflowed to 0 the cost is z_label - ln sum e^z, as
    from the one-hot row."""
    X = np.array([[1.0, 0.5], [-1.0, 0.5], [1.0, -0.5], [0.5, 1.0]] * 5)
    y = np.array([2, 0, 0, 1] * 5)
    runs = []
    for targets in (y, np.eye(3)[y]):
        net = fcnn.Network([2, 3], "softmax", "log_likelihood", dtype=dtype, seed=1)
        net.weights[0][:] = [[1000, 0], [0, 1], [-1000, 0]]
        history = net.fit(X, targets, epochs=2, batch_size=3, lr=1e-6, seed=4, shuffle=shuffle)
        runs.append((net.theta.copy(), history.cost))
    assert runs[0][1][0] > 500  # the rows of class 2 at x_0 = 1 cost about 2000 each
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_network_seed_alone_makes_a_run_reproducible():
    X, y = xor()

    def run():
        net = fcnn.Network([2, 3, 1], seed=42)
        return net.fit(X, y, epochs=20, batch_size=2, lr=1.0).cost

    assert run() == run()


def test_xor_is_learned():
    X, y = xor()
    net = fcnn.Network([2, 3, 1], "sigmoid", "quadratic", seed=0)
    net.fit(X, y, epochs=3000, batch_size=4, lr=2.0)
    assert net.evaluate(X, y)["accuracy"] == 1.0
    assert np.array_equal(net.predict(X)[:, 0] > 0.5, y == 1)


def test_float32_and_float64_agree_to_float32_precision():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(40, 5)), rng.integers(4, size=40)
    nets = {
        dt: fcnn.Network([5, 8, 4], ["tanh", "softmax"], "log_likelihood", dtype=dt, seed=3)
        for dt in ("float32", "float64")
    }
    assert_allclose(nets["float32"].weights[0], nets["float64"].weights[0], rtol=1e-7)
    for net in nets.values():
        net.fit(X, y, epochs=3, batch_size=8, lr=0.1, seed=1)
    for w32, w64 in zip(nets["float32"].weights, nets["float64"].weights):
        assert w32.dtype == np.float32 and w64.dtype == np.float64
        assert_allclose(w32, w64, rtol=1e-4, atol=1e-5)
    out32 = nets["float32"].predict(X)
    assert out32.dtype == np.float32
    assert_allclose(out32, nets["float64"].predict(X), rtol=1e-4, atol=1e-5)
    g32 = nets["float32"].gradients(X, y)
    assert all(g.dtype == np.float32 for g in g32.grad_w + g32.grad_b + g32.delta[1:])


def test_validation_history():
    X, y = xor()
    net = fcnn.Network([2, 3, 1], seed=0)
    history = net.fit(X, y, epochs=4, batch_size=2, lr=1.0, validation_data=(X, y))
    assert len(history.cost) == len(history.val_cost) == len(history.val_accuracy) == 4
    assert history.val_cost[-1] == pytest.approx(net.evaluate(X, y)["cost"], rel=1e-15)
    assert all(s > 0 for s in history.seconds)


def test_divergence_is_reported_not_returned():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)) * 100, rng.normal(size=(20, 1)) * 100
    net = fcnn.Network([3, 20, 1], "linear", seed=0)
    with pytest.raises(FloatingPointError, match="epoch"):
        net.fit(X, Y, epochs=50, batch_size=1, lr=10.0)


@pytest.mark.slow
def test_mnist_textbook_configuration_reaches_94_percent(mnist):
    """The notes' [784, 30, 10] sigmoid net, quadratic cost, batch 10, eta 3.0."""
    X, y, X_test, y_test = mnist
    net = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
    history = net.fit(
        X[:50000], y[:50000], epochs=10, batch_size=10, lr=3.0, validation_data=(X_test, y_test)
    )
    assert max(history.val_accuracy) >= 0.94
    assert net.evaluate(X_test, y_test)["accuracy"] >= 0.94
    assert history.cost[-1] < history.cost[0]


def test_two_fits_of_one_epoch_equal_one_fit_of_two():
    """Each epoch's shuffled order depends on its seed alone (the network's generator),
    so training can be split into fits, or saved and resumed, without changing it."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(97, 5)), rng.integers(0, 3, 97)
    whole = fcnn.Network([5, 4, 3], seed=7)
    whole.fit(X, y, epochs=2, batch_size=8, optimizer=fcnn.Adam(0.01))
    split = fcnn.Network([5, 4, 3], seed=7)
    split.fit(X, y, epochs=1, batch_size=8, optimizer=fcnn.Adam(0.01))
    split.fit(X, y, epochs=1, batch_size=8)
    assert np.array_equal(whole.theta, split.theta)


def test_a_training_run_reads_every_option_of_fit_and_nothing_else():
    """Network.fit's signature is the one definition of the options: the run reads each."""
    fit = inspect.signature(fcnn.Network.fit).parameters
    options = {name: p.default for name, p in fit.items() if name not in ("self", "X", "Y")}
    read = set()

    class Recording(dict):
        def __getitem__(self, name):
            read.add(name)
            return super().__getitem__(name)

    X, y = fcnn.datasets.xor()
    fcnn.training.TrainingRun(fcnn.Network([2, 3, 2], seed=0), X, y, Recording(options)).run()
    assert read == set(options)
