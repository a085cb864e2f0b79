"""The two builds of the compiled core, fcnn._core for any CPU and fcnn._core_avx2 with
AVX2 (setup.py), compute the same numbers bit for bit, so that results never depend on
which one fcnn/_compiled.py chose; and FCNN_CORE makes the choice as documented."""

import importlib.util

import numpy as np
import pytest
import scipy.sparse
from _user_functions import PyTanh
from conftest import run_python

import fcnn
from fcnn import _compiled
from fcnn.costs import Huber, Pinball

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "swish", "prelu", "linear"]
HIDDEN += ["gelu", "gelu_tanh", "elu", "selu", "softplus", "mish"]
OUTPUT_AND_COST = [
    ("softmax", "log_likelihood"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "cross_entropy"),
    ("sigmoid", "quadratic"),
    ("linear", "absolute_error"),
]


@pytest.fixture(scope="module")
def avx2_core():
    if not _compiled.baseline.cpu_has_avx2():
        pytest.skip("this CPU does not run AVX2 code")
    if importlib.util.find_spec("fcnn._core_avx2") is None:
        pytest.skip("fcnn._core_avx2 is not built here (only on x86-64)")
    from fcnn import _core_avx2

    assert _core_avx2.INSTRUCTIONS == "avx2"
    return _core_avx2


def computed_with(core, monkeypatch, compute):
    """compute() with `core` standing in for the chosen core in every fcnn module."""
    with monkeypatch.context() as patch:
        patch.setattr(_compiled, "core", core)
        return compute()


def train_predict_and_differentiate(dtype, hidden, output, cost, optimizer):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 13)).astype(dtype)
    labels = rng.integers(0, 4, 300)
    y = labels if output == "softmax" else np.eye(4, dtype=dtype)[labels]
    weights = rng.uniform(0.5, 1.5, 300)
    net = fcnn.Network([13, 37, 9, 4], [hidden, hidden, output], cost, dtype=dtype, seed=1)
    history = net.fit(
        X,
        y,
        epochs=2,
        batch_size=16,
        lr=None,
        seed=2,
        l2=0.01,
        optimizer=fcnn.SGD(0.05) if optimizer == "sgd" else fcnn.Adam(0.01),
        dropout=0.1 if hidden == "relu" else 0.0,
    )
    net.fit(X, y, epochs=1, batch_size=7, lr=0.02, sample_weight=weights, seed=3)
    gradients = net.gradients(X[:20], y[:20])
    return [
        net.theta.copy(),
        net.predict(X),
        net.predict(X[0]),
        history.cost,
        net.evaluate(X, y)["cost"],
    ] + [gradients.cost, gradients.flat, *gradients.delta[1:]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output, cost", OUTPUT_AND_COST)
def test_the_avx2_build_computes_what_the_baseline_build_does(
    avx2_core, monkeypatch, dtype, hidden, output, cost
):
    optimizer = "adam" if HIDDEN.index(hidden) % 2 else "sgd"
    results = [
        computed_with(
            core,
            monkeypatch,
            lambda: train_predict_and_differentiate(dtype, hidden, output, cost, optimizer),
        )
        for core in (_compiled.baseline, avx2_core)
    ]
    for baseline, avx2 in zip(*results):
        np.testing.assert_array_equal(avx2, baseline, strict=True)


def train_a_poisson_network(dtype, output):
    """exp on the hidden layer, with inputs and steps small enough that it does not
    overflow, and each positive output of the Poisson cost."""
    rng = np.random.default_rng(4)
    X = (0.5 * rng.standard_normal((300, 13))).astype(dtype)
    Y = rng.poisson(2.0, (300, 3)).astype(dtype)
    net = fcnn.Network([13, 16, 3], ["exp", output], "poisson", dtype=dtype, seed=1)
    history = net.fit(X, Y, epochs=2, batch_size=16, seed=2, optimizer=fcnn.Adam(0.01))
    gradients = net.gradients(X[:20], Y[:20])
    return [net.theta.copy(), net.predict(X), history.cost, gradients.flat, gradients.delta[1]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output", ["exp", "sigmoid", "softmax"])
def test_the_builds_agree_on_exp_and_poisson(avx2_core, monkeypatch, dtype, output):
    results = [
        computed_with(core, monkeypatch, lambda: train_a_poisson_network(dtype, output))
        for core in (_compiled.baseline, avx2_core)
    ]
    for baseline, avx2 in zip(*results):
        np.testing.assert_array_equal(avx2, baseline, strict=True)


# The costs after the notes', each with outputs it allows; binary targets suit them all.
COST_CASES = [
    ("tanh", Huber(delta=0.5)),
    ("softmax", Huber(delta=0.5)),
    ("sigmoid", Pinball(tau=0.8)),
    ("linear", Pinball(tau=0.3)),
    ("linear", "hinge"),
    ("linear", "log_poisson"),
]


def train_with_cost(dtype, output, cost):
    rng = np.random.default_rng(5)
    X = (0.5 * rng.standard_normal((300, 13))).astype(dtype)
    Y = rng.integers(0, 2, (300, 4)).astype(dtype)
    net = fcnn.Network([13, 16, 4], ["tanh", output], cost, dtype=dtype, seed=1)
    history = net.fit(X, Y, epochs=2, batch_size=16, seed=2, optimizer=fcnn.Adam(0.01))
    gradients = net.gradients(X[:20], Y[:20])
    return [
        net.theta.copy(),
        net.predict(X),
        history.cost,
        net.evaluate(X, Y)["cost"],
        gradients.flat,
        gradients.delta[2],
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output, cost", COST_CASES, ids=str)
def test_the_builds_agree_on_the_costs_after_the_notes(avx2_core, monkeypatch, dtype, output, cost):
    results = [
        computed_with(core, monkeypatch, lambda: train_with_cost(dtype, output, cost))
        for core in (_compiled.baseline, avx2_core)
    ]
    for baseline, avx2 in zip(*results):
        np.testing.assert_array_equal(avx2, baseline, strict=True)


def chosen_core(choice, tmp_path):
    return run_python(
        "import fcnn, fcnn._compiled as c; print(c.core.__name__)", tmp_path, FCNN_CORE=choice
    )


def test_fcnn_core_baseline_chooses_the_build_for_any_cpu(tmp_path):
    done = chosen_core("baseline", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "fcnn._core"


def test_fcnn_core_auto_chooses_avx2_where_it_runs(tmp_path):
    built = importlib.util.find_spec("fcnn._core_avx2") is not None
    expected = "fcnn._core_avx2" if built and _compiled.baseline.cpu_has_avx2() else "fcnn._core"
    for choice in ("auto", ""):
        done = chosen_core(choice, tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected


def test_a_bad_fcnn_core_is_named(tmp_path):
    done = chosen_core("sse9", tmp_path)
    assert done.returncode != 0
    assert "FCNN_CORE must be one of auto, baseline, avx2, got 'sse9'" in done.stderr


def train_clipped_and_averaged(dtype, optimizer):
    rng = np.random.default_rng(6)
    X = rng.standard_normal((300, 13)).astype(dtype)
    labels = rng.integers(0, 4, 300)
    net = fcnn.Network([13, 37, 4], ["tanh", "softmax"], "log_likelihood", dtype=dtype, seed=1)
    net.fit(
        X,
        labels,
        epochs=2,
        batch_size=16,
        seed=2,
        optimizer=fcnn.SGD(0.5) if optimizer == "sgd" else fcnn.Adam(0.05),
        clip_norm=0.3,
        clip_value=0.01,
        ema_decay=0.9,
        swa_start=1,
    )
    return [net.theta.copy(), net.averaged("ema").theta, net.averaged("swa").theta]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_builds_agree_on_clipping_and_averages(avx2_core, monkeypatch, dtype, optimizer):
    results = [
        computed_with(core, monkeypatch, lambda: train_clipped_and_averaged(dtype, optimizer))
        for core in (_compiled.baseline, avx2_core)
    ]
    for baseline, avx2 in zip(*results):
        np.testing.assert_array_equal(avx2, baseline, strict=True)


def train_with_dropout_rates(dtype, sparse):
    """Per-layer rates, one of them 0, and input dropout, on dense and CSR rows."""
    rng = np.random.default_rng(6)
    X = (rng.standard_normal((300, 13)) * (rng.uniform(size=(300, 13)) < 0.4)).astype(dtype)
    labels = rng.integers(0, 4, 300)
    inputs = scipy.sparse.csr_matrix(X) if sparse else X
    net = fcnn.Network([13, 16, 9, 4], ["relu", "tanh", "softmax"], dtype=dtype, seed=1)
    options = dict(dropout=[0.3, 0.0], input_dropout=0.2, seed=2)
    history = net.fit(inputs, labels, epochs=2, batch_size=16, lr=0.1, **options)
    unshuffled = net.fit(inputs, labels, epochs=1, batch_size=16, lr=0.1, shuffle=False, **options)
    gradients = net.gradients(inputs[:20], labels[:20], **options)
    return [net.theta.copy(), history.cost, unshuffled.cost, gradients.flat, gradients.delta[1]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sparse", [False, True])
def test_the_builds_agree_on_dropout_rates_and_input_dropout(avx2_core, monkeypatch, dtype, sparse):
    results = [
        computed_with(core, monkeypatch, lambda: train_with_dropout_rates(dtype, sparse))
        for core in (_compiled.baseline, avx2_core)
    ]
    for baseline, avx2 in zip(*results):
        np.testing.assert_array_equal(avx2, baseline, strict=True)


def apply_and_train_on_the_slow_path(dtype, optimizer):
    """Optimizer.apply of a given gradient, and fit of a network with a user-defined
    activation (its updates are the core's apply_update), clipped and averaged."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((120, 13)).astype(dtype)
    Y = rng.standard_normal((120, 4)).astype(dtype)
    make = (
        (lambda: fcnn.SGD(0.05, momentum=0.9))
        if optimizer == "sgd"
        else (lambda: fcnn.AdamW(0.01, weight_decay=0.1))
    )
    applied = fcnn.Network([13, 9, 4], "tanh", dtype=dtype, seed=1)
    step = make()
    for _ in range(3):
        step.apply(applied, applied.gradients(X, Y).flat)
    slow = fcnn.Network([13, 9, 4], [PyTanh(), "linear"], dtype=dtype, seed=1)
    options = dict(clip_norm=0.3, ema_decay=0.9, dropout=0.2, l1=0.01, seed=2)
    slow.fit(X, Y, epochs=2, batch_size=16, optimizer=make(), **options)
    return [applied.theta.copy(), *step.states, slow.theta.copy(), slow.averaged("ema").theta]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_the_builds_agree_on_apply_and_the_slow_path(avx2_core, monkeypatch, dtype, optimizer):
    results = [
        computed_with(core, monkeypatch, lambda: apply_and_train_on_the_slow_path(dtype, optimizer))
        for core in (_compiled.baseline, avx2_core)
    ]
    for baseline, avx2 in zip(*results):
        np.testing.assert_array_equal(avx2, baseline, strict=True)
