"""Full-batch L-BFGS in fit against scipy's minimizer on the same objective, its History,
callbacks, options and refusals; the objective shared with the scikit-learn drop-in."""

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_allclose, assert_array_equal

import fcnn
from fcnn import lbfgs


def problem(seed=0):
    rng = np.random.default_rng(seed)
    net = fcnn.Network([3, 5, 4, 2], ["tanh", "sigmoid", "linear"], "quadratic", seed=seed)
    return net, rng.normal(size=(24, 3)), rng.normal(size=(24, 2))


def test_lbfgs_fit_equals_scipy_minimize_on_the_same_objective():
    net, X, Y = problem(3)
    twin = fcnn.Network(net.sizes, net.activations, net.cost)
    twin.theta[...] = net.theta
    weights = np.random.default_rng(4).uniform(0.5, 2.0, size=X.shape[0])
    optimizer = fcnn.LBFGS(max_iter=40, tol=1e-6)
    history = net.fit(X, Y, optimizer=optimizer, l2=0.5, sample_weight=weights)

    n = X.shape[0]
    weights = weights / weights.mean()  # fit's sample weights have mean 1
    penalized = np.zeros_like(twin.theta, dtype=bool)
    w_off, _, _, _ = twin.internals.layout.offsets()
    for offset, w in zip(w_off, twin.weights):
        penalized[offset : offset + w.size] = True

    def objective(theta):
        twin.theta[...] = theta
        cost = twin.evaluate(X, Y, sample_weight=weights)["cost"]
        gradient = twin.gradients(X, Y, l2=0.5, sample_weight=weights).flat
        return cost + 0.25 / n * np.sum(theta[penalized] ** 2), gradient.copy()

    expected = scipy.optimize.minimize(
        objective,
        twin.theta.copy(),
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": 40, "gtol": 1e-6, "maxfun": 15000},
    )
    assert_allclose(net.theta, expected.x, rtol=1e-9, atol=1e-12)
    assert history.epochs == expected.nit == optimizer.t == optimizer.result.nit
    assert_allclose(history.cost[-1], net.evaluate(X, Y, sample_weight=weights)["cost"])


def test_lbfgs_records_each_iteration_with_validation_and_callbacks():
    X, y = fcnn.datasets.xor()
    X, y = np.tile(X, (4, 1)), np.tile(y, 4)
    net = fcnn.Network([2, 6, 2], ["tanh", "softmax"], "log_likelihood", seed=0)
    seen = []

    class Stop:
        def on_epoch_end(self, net, epoch, logs):
            seen.append((epoch, sorted(logs)))
            if epoch == 5:
                net.stop_training = True

    history = net.fit(
        X,
        y,
        optimizer=fcnn.LBFGS(max_iter=50),
        validation_data=(X, y),
        metrics={"f1": lambda truth, predicted: float(np.mean(truth == predicted))},
        callbacks=[Stop()],
    )
    assert history.epochs == 5 == history.stopped_epoch
    assert [epoch for epoch, _ in seen] == [1, 2, 3, 4, 5]
    assert seen[0][1] == ["accuracy", "cost", "lr", "val_accuracy", "val_cost", "val_f1"]
    assert len(history.val_cost) == len(history.accuracy) == 5
    assert_allclose(history.val_cost[-1], net.evaluate(X, y)["cost"])


def test_a_raising_callback_leaves_the_last_recorded_iteration():
    net, X, Y = problem(5)
    kept = []

    class Fails:
        def on_epoch_end(self, net, epoch, logs):
            kept.append(net.theta.copy())
            if epoch == 3:
                raise RuntimeError("no")

    with pytest.raises(RuntimeError, match="no"):
        net.fit(X, Y, optimizer=fcnn.LBFGS(), callbacks=[Fails()])
    assert_array_equal(net.theta, kept[-1])


@pytest.mark.parametrize(
    "options,match",
    [
        ({"lr": 0.1}, "not both"),
        ({"dropout": 0.5}, "takes no dropout"),
        ({"lr_schedule": "step"}, "takes no lr_schedule"),
        ({"early_stopping": True, "monitor": "cost"}, "takes no early_stopping"),
    ],
)
def test_lbfgs_refuses_options_it_cannot_honour(options, match):
    net, X, Y = problem()
    with pytest.raises(ValueError, match=match):
        net.fit(X, Y, optimizer=fcnn.LBFGS(), **options)


def test_lbfgs_refuses_a_stream_and_non_finite_rows():
    net, X, Y = problem()
    with pytest.raises(ValueError, match="not a stream"):
        net.fit(lambda: iter([(X, Y)]), optimizer=fcnn.LBFGS(), batch_size=8)
    X[7, 1] = np.nan
    before = net.theta.copy()
    with pytest.raises(ValueError, match="7"):
        net.fit(X, Y, optimizer=fcnn.LBFGS())
    assert_array_equal(net.theta, before)


def test_lbfgs_on_sparse_inputs_equals_dense():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    net, X, Y = problem(7)
    X[X < 0.3] = 0
    twin = fcnn.Network(net.sizes, net.activations, net.cost)
    twin.theta[...] = net.theta
    net.fit(X, Y, optimizer=fcnn.LBFGS(max_iter=15))
    twin.fit(scipy_sparse.csr_matrix(X), Y, optimizer=fcnn.LBFGS(max_iter=15))
    assert_allclose(twin.theta, net.theta, rtol=1e-8, atol=1e-12)
    X[5, 2] = np.inf
    with pytest.raises(ValueError, match="5"):
        twin.fit(scipy_sparse.csr_matrix(X), Y, optimizer=fcnn.LBFGS())


def test_the_objective_packs_in_the_order_given():
    net, X, Y = problem(6)
    settings = fcnn.optimizers.gradient_settings()
    order = np.arange(net.theta.size)[::-1].copy()
    plain = lbfgs.Objective(net, X, Y, np.empty(0), settings)
    reversed_ = lbfgs.Objective(net, X, Y, np.empty(0), settings, order=order)
    theta = net.theta.copy()
    value, gradient = plain(theta)
    value_r, gradient_r = reversed_(theta[order])
    assert value == value_r
    assert_array_equal(gradient_r, gradient[order])


def test_a_network_trained_by_lbfgs_saves_and_loads_its_optimizer(tmp_path):
    net, X, Y = problem(8)
    net.fit(X, Y, optimizer=fcnn.LBFGS(max_iter=5, tol=0.0))
    net.save(tmp_path / "net.fcnn")
    loaded = fcnn.load(tmp_path / "net.fcnn")
    assert loaded.optimizer.config() == net.optimizer.config()
    assert net.optimizer.config() == {
        "name": "LBFGS",
        "max_iter": 5,
        "tol": 0.0,
        "max_fun": 15000,
        "t": 5,
    }
