"""The core's back-propagation against central differences of its own cost, in float64,
for every activation x cost pair that makes sense, and against the NumPy reference."""

import numpy as np
import pytest
from conftest import assert_close_to_numeric, central_differences
from numpy.testing import assert_allclose

import fcnn
from fcnn import reference

ELEMENTWISE = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "exp"]
ELEMENTWISE += ["gelu", "gelu_tanh", "elu", "selu", "softplus", "mish"]
PLAIN_COSTS = ["quadratic", "squared_error", "absolute_error", "huber", "pinball"]
# (output activation, cost) pairs: the plain costs suit any output; the logarithmic ones
# need outputs in (0, 1).
OUTPUT_PAIRS = (
    [(f, c) for f in ELEMENTWISE for c in PLAIN_COSTS]
    + [("sigmoid", "cross_entropy"), ("sigmoid", "log_likelihood")]
    + [("softmax", c) for c in PLAIN_COSTS + ["cross_entropy", "log_likelihood"]]
    + [(f, "poisson") for f in ("exp", "sigmoid", "softmax")]
    + [("linear", "hinge"), ("linear", "log_poisson")]
)


def targets(rng, output, cost, n, n_out):
    if cost in ("poisson", "log_poisson"):  # rates, zeros among them
        return rng.uniform(0, 3, size=(n, n_out)) * rng.integers(2, size=(n, n_out))
    if cost == "hinge":
        return rng.integers(2, size=(n, n_out)).astype(float)
    if output == "softmax":
        return np.eye(n_out)[rng.integers(n_out, size=n)]
    if cost in ("cross_entropy", "log_likelihood"):
        return rng.uniform(0, 1, size=(n, n_out))  # soft targets exercise every term
    return rng.normal(size=(n, n_out))


def check_against_central_differences(net, X, Y):
    grads = net.gradients(X, Y)
    numeric = central_differences(lambda: net.evaluate(X, Y)["cost"], net.theta)
    assert_close_to_numeric(grads.flat, numeric)
    assert grads.cost == pytest.approx(net.evaluate(X, Y)["cost"], rel=1e-14)


@pytest.mark.parametrize(
    "hidden", [["relu"], ["sigmoid"], ["tanh", "swish"]], ids=["relu", "sigmoid", "tanh-swish"]
)
@pytest.mark.parametrize("output,cost", OUTPUT_PAIRS)
def test_gradient_matches_central_differences(hidden, output, cost):
    rng = np.random.default_rng(sum(map(ord, output + cost)) + len(hidden))
    sizes = [4] + [5] * len(hidden) + [3]
    net = fcnn.Network(sizes, hidden + [output], cost, seed=int(rng.integers(1000)))
    X = rng.normal(size=(6, sizes[0]))
    check_against_central_differences(net, X, targets(rng, output, cost, 6, sizes[-1]))


@pytest.mark.parametrize("hidden", ELEMENTWISE)
def test_every_hidden_activation_back_propagates(hidden):
    rng = np.random.default_rng(7)
    net = fcnn.Network([3, 4, 4, 2], [hidden, hidden, "sigmoid"], "cross_entropy", seed=3)
    check_against_central_differences(net, rng.normal(size=(5, 3)), rng.uniform(size=(5, 2)))


def test_leaky_relu_slope_reaches_the_core():
    rng = np.random.default_rng(1)
    net = fcnn.Network([3, 6, 2], [fcnn.activations.LeakyReLU(0.3), "linear"], seed=0)
    X = rng.normal(size=(8, 3))
    trace = net.trace(X)
    assert (trace.z[1] < 0).any()
    assert_allclose(trace.a[1], np.where(trace.z[1] > 0, trace.z[1], 0.3 * trace.z[1]), rtol=1e-15)
    check_against_central_differences(net, X, rng.normal(size=(8, 2)))


@pytest.mark.parametrize("output,cost", OUTPUT_PAIRS)
def test_gradients_match_numpy_reference(output, cost):
    rng = np.random.default_rng(11)
    net = fcnn.Network([5, 7, 6, 4], ["sigmoid", "relu", output], cost, seed=5)
    X = rng.normal(size=(9, 5))
    Y = targets(rng, output, cost, 9, 4)
    grads = net.gradients(X, Y)
    value, deltas, grad_w, grad_b = reference.backprop(
        list(net.weights), list(net.biases), net.activations, net.cost, X, Y
    )
    assert grads.cost == pytest.approx(value, rel=1e-12)
    for ours, theirs in zip(
        grads.delta[1:] + grads.grad_w + grads.grad_b, deltas[1:] + grad_w + grad_b
    ):
        assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    "output,cost", [("sigmoid", "cross_entropy"), ("softmax", "log_likelihood")]
)
def test_matched_pairs_give_output_error_a_minus_y(output, cost):
    """No sigma' factor: the notes' cure for learning slowdown, even fully saturated."""
    net = fcnn.Network([2, 3], output, cost)
    net.weights[0] = [[400, 0], [0, -400], [300, 300]]
    net.biases[0] = 0
    x = np.array([[1.0, 1.0]])
    y = np.array([[0.0, 1.0, 0.0]])
    grads = net.gradients(x, y)
    a = net.predict(x)
    assert_allclose(grads.delta[1], a - y, rtol=0, atol=1e-15)
    assert np.isfinite(grads.cost)


def test_stale_buffer_contents_are_never_read():
    """Values left in reused work and gradient buffers, NaN here, must not leak."""
    from fcnn._compiled import core as _core

    rng = np.random.default_rng(2)
    net = fcnn.Network([3, 4, 2], ["relu", "linear"], seed=0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    workspace = _core.Workspace(net.internals.layout, net.dtype, 5, training=True)
    for buffer in (workspace.z, workspace.a, workspace.delta, workspace.grad):
        buffer[...] = np.nan
    cost, _, _, _ = _core.gradients(
        net.internals.layout,
        fcnn.optimizers.gradient_settings(),
        workspace,
        net.internals.theta,
        X,
        Y,
        np.empty(0),
        0,
    )
    assert np.isfinite(cost) and np.isfinite(workspace.grad).all()
