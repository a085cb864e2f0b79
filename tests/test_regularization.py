"""Regularization, dropout, PReLU, weights, initialisation, schedules, early stopping and
divergence: each checked where it changes the gradient or the training loop."""

import numpy as np
import pytest
from conftest import assert_close_to_numeric, central_differences
from numpy.testing import assert_allclose

import fcnn
from fcnn.datasets import xor


def check_gradient(net, X, Y, **options):
    analytic = net.gradients(X, Y, **options).flat.copy()
    numeric = central_differences(lambda: net.gradients(X, Y, **options).cost, net.theta)
    assert_close_to_numeric(analytic, numeric)
    return analytic


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(7, 4)), rng.integers(3, size=7)


def small_net(hidden=("tanh", "sigmoid"), seed=1):
    return fcnn.Network([4, 6, 5, 3], list(hidden) + ["softmax"], "log_likelihood", seed=seed)


def test_l2_and_l1_gradients(data):
    X, y = data
    net = small_net()
    plain = net.gradients(X, y).flat.copy()
    regularized = check_gradient(net, X, y, l1=0.3, l2=2.0, n_train=50)
    assert not np.allclose(plain, regularized)
    biases = np.concatenate(
        [net.gradients(X, y, l1=0.3, l2=2.0, n_train=50).grad_b[k] for k in range(3)]
    )
    assert_allclose(biases, np.concatenate(net.gradients(X, y).grad_b))  # not decayed


def test_l1_and_l2_training_follow_their_gradients(data):
    X, y = data
    a, b = small_net(), small_net()
    g = a.gradients(X, y, l1=0.2, l2=1.0, n_train=7).flat.copy()
    theta0 = a.theta.copy()
    a.fit(X, y, epochs=1, batch_size=None, lr=0.1, l1=0.2, l2=1.0, shuffle=False)
    assert_allclose(a.theta, theta0 - 0.1 * g, rtol=1e-12, atol=1e-15)
    b.fit(X, y, epochs=1, batch_size=None, lr=0.1, shuffle=False)
    assert not np.allclose(a.theta, b.theta)


@pytest.mark.parametrize(
    "hidden", [("sigmoid", "tanh"), ("relu", "swish"), ("prelu", "leaky_relu")]
)
def test_dropout_gradient_under_a_fixed_mask(data, hidden):
    X, y = data
    net = small_net(hidden)
    g = check_gradient(net, X, y, dropout=0.4, seed=3)
    trace_free = net.gradients(X, y).flat
    assert not np.allclose(g, trace_free)  # the mask did something
    assert np.array_equal(g, net.gradients(X, y, dropout=0.4, seed=3).flat)


def test_dropout_scales_kept_units_and_only_in_training(data):
    X, y = data
    net = small_net(("relu", "relu"))
    grads = net.gradients(X, y, dropout=0.5, seed=0)
    assert np.array_equal(net.predict(X), net.predict(X))  # no mask at inference
    # a dropped unit passes no error back: its delta is exactly zero
    assert (grads.delta[1] == 0).mean() > 0.3
    history = net.fit(X, y, epochs=3, batch_size=3, lr=0.1, dropout=0.5, seed=0)
    assert all(np.isfinite(history.cost))


def test_prelu_slopes_gradient_and_training(data):
    X, y = data
    net = small_net(("prelu", "prelu"))
    assert_allclose(net.params[0]["slopes"], 0.25)
    g = check_gradient(net, X * 3, y)
    grads = net.gradients(X * 3, y)
    assert grads.grad_slopes[0] is not None and grads.grad_slopes[2] is None
    assert np.abs(grads.grad_slopes[0]).max() > 0
    before = net.params[1]["slopes"].copy()
    net.fit(X * 3, y, epochs=5, batch_size=2, optimizer=fcnn.Adam(0.05), seed=0)
    assert not np.allclose(net.params[1]["slopes"], before)
    z = net.trace(X).z[1]
    assert_allclose(net.trace(X).a[1], np.where(z > 0, z, net.params[0]["slopes"] * z))
    assert g.shape == net.theta.shape


def test_prelu_is_for_hidden_layers():
    with pytest.raises(ValueError, match="hidden layers only"):
        fcnn.Network([3, 2], "prelu")


def test_sample_weight_gradient_is_the_weighted_average(data):
    X, y = data
    net = small_net()
    weights = np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.0, 1.0])
    check_gradient(net, X, y, sample_weight=weights)
    weighted = net.gradients(X, y, sample_weight=weights)
    per_sample = [net.gradients(X[i], y[i]) for i in range(7)]
    expected = sum(w * g.flat for w, g in zip(weights, per_sample)) / weights.sum()
    assert_allclose(weighted.flat, expected, rtol=1e-10, atol=1e-14)
    expected_cost = sum(w * g.cost for w, g in zip(weights, per_sample)) / weights.sum()
    assert weighted.cost == pytest.approx(expected_cost, rel=1e-12)
    assert net.evaluate(X, y, sample_weight=weights)["cost"] == pytest.approx(
        expected_cost, rel=1e-12
    )


def test_integer_sample_weights_repeat_examples(data):
    X, y = data
    a, b = small_net(), small_net()
    repeats = np.array([1, 2, 1, 3, 1, 1, 2])
    a.fit(X, y, epochs=2, batch_size=None, lr=0.2, sample_weight=repeats, shuffle=False)
    b.fit(
        np.repeat(X, repeats, axis=0),
        np.repeat(y, repeats),
        epochs=2,
        batch_size=None,
        lr=0.2,
        shuffle=False,
    )
    assert_allclose(a.theta, b.theta, rtol=1e-12)


def test_class_weight_is_sample_weight_by_label(data):
    X, _ = data
    y = np.array([0, 1, 2, 0, 1, 2, 2])
    a, b, c = small_net(), small_net(), small_net()
    a.fit(X, y, epochs=2, batch_size=3, lr=0.2, class_weight={0: 2.0, 2: 0.5}, seed=4)
    b.fit(X, y, epochs=2, batch_size=3, lr=0.2, sample_weight=np.choose(y, [2.0, 1.0, 0.5]), seed=4)
    assert np.array_equal(a.theta, b.theta)
    c.fit(X, np.eye(3)[y], epochs=2, batch_size=3, lr=0.2, class_weight="balanced", seed=4)
    counts = np.bincount(y, minlength=3)
    assert counts.all()
    balanced = 7 / (3 * counts)
    b2 = small_net()
    b2.fit(X, y, epochs=2, batch_size=3, lr=0.2, sample_weight=balanced[y], seed=4)
    assert_allclose(c.theta, b2.theta, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(sample_weight=np.ones(3)), ValueError, r"sample_weight must have shape \(7,\)"),
        (dict(sample_weight=-np.ones(7)), ValueError, "sample_weight must be >= 0"),
        (dict(sample_weight=np.zeros(7)), ValueError, "must not all be zero"),
        (dict(class_weight={5: 1.0}), ValueError, "class_weight key 5 is not a class"),
        (dict(class_weight="uniform"), ValueError, "'balanced'"),
        (dict(class_weight=[1, 2]), TypeError, "class_weight must be a dict"),
        (dict(dropout=1.0), ValueError, r"dropout .* \[0, 1\)"),
        (dict(l2=-1), ValueError, "l2 must be a finite number >= 0"),
        (dict(l1=float("nan")), ValueError, "l1 must be"),
        (dict(validation_split=1.5), ValueError, "validation_split"),
        (dict(early_stopping=True), ValueError, "early_stopping on 'val_cost' needs validation"),
        (dict(monitor="accuracy"), ValueError, "monitor must be"),
        (dict(lr_schedule="cosine"), ValueError, "cosine"),
    ],
)
def test_bad_training_options(data, kwargs, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        small_net().fit(X, y, **kwargs)


@pytest.mark.parametrize(
    "init",
    ["normal_scaled", "normal", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal"],
)
def test_initialisations(init):
    net = fcnn.Network([300, 200, 10], init=init, seed=0)
    n_in, n_out = 300, 200
    std = {
        "normal_scaled": 1 / np.sqrt(n_in),
        "normal": 1.0,
        "xavier_uniform": np.sqrt(2 / (n_in + n_out)),
        "xavier_normal": np.sqrt(2 / (n_in + n_out)),
        "he_uniform": np.sqrt(2 / n_in),
        "he_normal": np.sqrt(2 / n_in),
    }[init]
    assert np.std(net.weights[0]) == pytest.approx(std, rel=0.03)
    if init.startswith(("xavier", "he")):
        assert not net.biases[0].any()
    else:
        assert np.std(net.biases[0]) == pytest.approx(1, rel=0.2)
    again = fcnn.Network([300, 200, 10], init=init, seed=0)
    assert np.array_equal(net.theta, again.theta)
    single = fcnn.Network([300, 200, 10], init=init, seed=0, dtype="float32")
    assert np.array_equal(single.theta, net.theta.astype(np.float32))


def test_unknown_init():
    with pytest.raises(ValueError, match="unknown init 'glorot'"):
        fcnn.Network([2, 2], init="glorot")


def test_schedule_sets_each_epochs_learning_rate(data):
    X, y = data
    net = small_net()
    history = net.fit(X, y, epochs=5, lr=0.8, lr_schedule=fcnn.schedules.StepDecay(2, 0.5))
    assert history.lr == [0.8, 0.8, 0.4, 0.4, 0.2]
    a, b = small_net(), small_net()
    a.fit(X, y, epochs=2, batch_size=None, lr=0.8, shuffle=False)
    a.fit(X, y, epochs=1, batch_size=None, lr=0.4, shuffle=False)
    b.fit(
        X,
        y,
        epochs=3,
        batch_size=None,
        optimizer=fcnn.SGD(0.8),
        shuffle=False,
        lr_schedule=fcnn.schedules.StepDecay(2, 0.5),
    )
    assert np.array_equal(a.theta, b.theta)


def test_reduce_on_plateau_in_fit():
    X, y = xor()
    net = fcnn.Network([2, 3, 1], seed=0)
    schedule = fcnn.schedules.ReduceOnPlateau(factor=0.5, patience=0, monitor="cost")
    history = net.fit(X, y, epochs=30, batch_size=4, lr=50.0, lr_schedule=schedule)
    assert min(history.lr) < 50.0


def test_early_stopping_restores_the_best_parameters():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(60, 4)), rng.integers(2, size=60)  # noise: validation worsens
    net = fcnn.Network([4, 30, 2], ["sigmoid", "softmax"], "log_likelihood", seed=0)
    history = net.fit(
        X[:40],
        y[:40],
        epochs=200,
        batch_size=5,
        lr=1.0,
        validation_data=(X[40:], y[40:]),
        early_stopping=True,
        patience=3,
    )
    assert history.stopped_epoch is not None and history.stopped_epoch < 200
    assert history.stopped_epoch == history.best_epoch + 3
    best = history.val_cost[history.best_epoch - 1]
    assert best == min(history.val_cost)
    assert net.evaluate(X[40:], y[40:])["cost"] == pytest.approx(best, rel=1e-12)


def scripted_validation(monkeypatch, val_costs):
    """Make each epoch's validation cost the next of `val_costs`: a curve by design."""
    costs = iter(val_costs)
    monkeypatch.setattr(
        fcnn.network.NetworkInternals, "evaluate", lambda *args: {"cost": next(costs)}
    )


# The best cost, 0.49 in epoch 3, improves on epoch 2's by less than min_delta: the
# patience runs from epoch 2 (stopping after epoch 4), the best epoch is 3.
SCRIPTED_COSTS = [1.0, 0.5, 0.49, 0.6, 0.6, 0.6]
SCRIPTED_RUN = dict(epochs=6, batch_size=2, lr=0.5, early_stopping=True, patience=2, min_delta=0.05)


def xor_net_after(epochs):
    X, y = xor()
    net = fcnn.Network([2, 3, 2], seed=0)
    net.fit(X, y, epochs=epochs, batch_size=2, lr=0.5)
    return net


def test_early_stopping_keeps_the_best_value_improved_by_any_amount(monkeypatch):
    X, y = xor()
    net = fcnn.Network([2, 3, 2], seed=0)
    scripted_validation(monkeypatch, SCRIPTED_COSTS)
    history = net.fit(X, y, validation_data=(X, y), **SCRIPTED_RUN)
    monkeypatch.undo()
    assert (history.best_epoch, history.stopped_epoch) == (3, 4)
    assert np.array_equal(net.theta, xor_net_after(3).theta)


def test_restore_best_false_keeps_the_last_epoch(monkeypatch):
    X, y = xor()
    net = fcnn.Network([2, 3, 2], seed=0)
    scripted_validation(monkeypatch, SCRIPTED_COSTS)
    history = net.fit(X, y, validation_data=(X, y), restore_best=False, **SCRIPTED_RUN)
    monkeypatch.undo()
    assert (history.best_epoch, history.stopped_epoch) == (3, 4)
    assert np.array_equal(net.theta, xor_net_after(4).theta)


def test_validation_weights_make_the_validation_scores_weighted_means():
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(40, 3)), rng.integers(3, size=40)
    X_val, y_val, w_val = rng.normal(size=(15, 3)), rng.integers(3, size=15), rng.random(15)
    net = fcnn.Network([3, 5, 3], ["tanh", "softmax"], "log_likelihood", seed=0)
    history = net.fit(X, y, epochs=1, lr=0.5, validation_data=(X_val, y_val, w_val))
    probabilities = net.predict(X_val)
    costs = -np.log(probabilities[np.arange(15), y_val])
    assert history.val_cost[0] == pytest.approx(np.sum(w_val * costs) / np.sum(w_val), rel=1e-12)
    right = probabilities.argmax(axis=1) == y_val
    assert history.val_accuracy[0] == pytest.approx(np.average(right, weights=w_val), rel=1e-12)
    unweighted = fcnn.Network([3, 5, 3], ["tanh", "softmax"], "log_likelihood", seed=0)
    plain = unweighted.fit(X, y, epochs=1, lr=0.5, validation_data=(X_val, y_val, None))
    assert plain.val_cost[0] == pytest.approx(np.mean(costs), rel=1e-12)
    with pytest.raises(ValueError, match=r"sample_weight_val must have shape \(15,\)"):
        net.fit(X, y, validation_data=(X_val, y_val, w_val[:3]))


def test_validation_split_holds_out_a_seeded_fraction():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(50, 3)), rng.integers(2, size=50)
    nets = [fcnn.Network([3, 4, 2], seed=0) for _ in range(2)]
    histories = [n.fit(X, y, epochs=2, validation_split=0.2, seed=9) for n in nets]
    assert len(histories[0].val_cost) == 2
    assert histories[0].val_cost == histories[1].val_cost
    assert histories[0].samples_per_second[0] > 0


def test_forced_divergence_raises_and_keeps_finite_parameters():
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(40, 5)), rng.normal(size=(40, 2))
    net = fcnn.Network([5, 8, 2], "linear", seed=0)
    net.fit(X, Y, epochs=1, lr=0.01)
    before = net.theta.copy()
    with pytest.raises(fcnn.DivergenceError, match="diverged in epoch 1 in mini-batch") as caught:
        net.fit(X, Y, epochs=3, batch_size=4, lr=1e6)
    assert caught.value.epoch == 1
    assert caught.value.layer in (1, 2)
    assert np.isfinite(net.theta).all()
    assert np.array_equal(net.theta, before)


def test_divergence_restores_optimizer_state_too():
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(40, 5)), rng.normal(size=(40, 2))
    net = fcnn.Network([5, 8, 2], "linear", seed=0)
    opt = fcnn.SGD(1e-3, momentum=0.9)
    net.fit(X, Y, epochs=1, optimizer=opt)
    velocity, t = opt.states[0].copy(), opt.t
    opt.lr = 1e9
    with pytest.raises(fcnn.DivergenceError) as caught:
        net.fit(X, Y, epochs=2, batch_size=4, optimizer=opt)
    assert caught.value.epoch == 1
    assert np.array_equal(opt.states[0], velocity) and opt.t == t
