"""Optimizer.apply (the core's apply_update): one update from a given gradient equals
the update of a training step from that gradient, state and step count included."""

import numpy as np
import pytest

import fcnn

RELATIVE = 1e-12


def relative(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


def data(n=8):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 2))


OPTIMIZERS = {
    "sgd": lambda: fcnn.SGD(0.1),
    "sgd nesterov": lambda: fcnn.SGD(0.1, momentum=0.9, nesterov=True),
    "sgd sutskever": lambda: fcnn.SGD(0.1, momentum=0.9, form="sutskever"),
    "adam": lambda: fcnn.Adam(0.01),
    "adamw": lambda: fcnn.AdamW(0.01, weight_decay=0.1),
    "rmsprop": lambda: fcnn.RMSProp(0.01),
    "adagrad": lambda: fcnn.AdaGrad(0.1),
    "rprop": lambda: fcnn.Rprop(0.01),
}


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS)
def test_apply_of_the_cores_gradient_equals_the_cores_step(make):
    X, Y = data(n=8)
    applied, trained = (fcnn.Network([3, 5, 2], "tanh", seed=1) for _ in range(2))
    optimizer, reference = make(), make()
    for _ in range(3):  # with state after the first
        grad = applied.gradients(X, Y).flat.copy()
        optimizer.apply(applied, grad)
        trained.fit(X, Y, epochs=1, batch_size=8, shuffle=False, optimizer=reference)
    assert optimizer.t == reference.t == 3 and applied.optimizer is optimizer
    if make is OPTIMIZERS["sgd"]:  # the core fuses plain SGD's update into BP3/BP4
        assert relative(applied.theta, trained.theta) < RELATIVE
    else:
        assert np.array_equal(applied.theta, trained.theta)
        for mine, theirs in zip(optimizer.states, reference.states, strict=True):
            assert np.array_equal(mine, theirs)


def test_apply_leaves_the_gradient_and_refuses_bad_ones():
    net = fcnn.Network([2, 3, 1], seed=0)
    grad = np.full(net.theta.size, 1e9)
    kept = grad.copy()
    fcnn.Adam(0.01).apply(net, grad)
    assert np.array_equal(grad, kept)
    with pytest.raises(ValueError, match="grad must have the shape"):
        fcnn.SGD(0.1).apply(net, np.zeros(3))
    with pytest.raises(ValueError, match="inf or NaN"):
        fcnn.SGD(0.1).apply(net, np.full(net.theta.size, np.nan))
    with pytest.raises(TypeError, match="LBFGS takes no steps"):
        fcnn.LBFGS().apply(net, kept)
