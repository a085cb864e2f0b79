"""The costs after the notes' against PyTorch, in float64, values and gradients of the
whole network: torch.nn.HuberLoss, torch.nn.PoissonNLLLoss(log_input=True, full=False)
(which differs from log_poisson by sum_j (y_j ln y_j - y_j), which no parameter changes),
and the pinball and hinge losses written out in torch, differentiated by autograd."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import xlogy

import fcnn
from fcnn.costs import Huber, Pinball

torch = pytest.importorskip("torch")

ACTIVATIONS = {
    "linear": lambda z: z,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softmax": lambda z: torch.softmax(z, dim=1),
}


def pinball(tau):
    def loss(a, y):
        r = y - a
        return torch.maximum(tau * r, (tau - 1) * r).sum()

    return loss


def hinge(a, y):
    return torch.relu(1 - (2 * y - 1) * a).sum()


def log_poisson(a, y):
    return torch.nn.PoissonNLLLoss(log_input=True, full=False, reduction="sum")(a, y)


def torch_loss_and_gradients(net, X, Y, loss):
    """The mean over the examples of `loss` on a^L, and its gradients."""
    weights = [torch.tensor(w, requires_grad=True) for w in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    a = torch.tensor(X)
    for w, b, f in zip(weights, biases, net.activations):
        a = ACTIVATIONS[f.name](a @ w.T + b)
    value = loss(a, torch.tensor(Y)) / X.shape[0]
    value.backward()
    return value.item(), [w.grad.numpy() for w in weights] + [b.grad.numpy() for b in biases]


CASES = [
    (Huber(delta=1.0), "linear", torch.nn.HuberLoss(delta=1.0, reduction="sum")),
    (Huber(delta=0.3), "tanh", torch.nn.HuberLoss(delta=0.3, reduction="sum")),
    (Huber(delta=0.2), "softmax", torch.nn.HuberLoss(delta=0.2, reduction="sum")),
    (Pinball(tau=0.9), "linear", pinball(0.9)),
    (Pinball(tau=0.1), "sigmoid", pinball(0.1)),
    (Pinball(tau=0.35), "softmax", pinball(0.35)),
    ("hinge", "linear", hinge),
    ("log_poisson", "linear", log_poisson),
]


def targets(rng, cost, shape):
    if cost == "hinge":
        return rng.integers(0, 2, shape).astype(float)
    if cost == "log_poisson":
        return rng.poisson(1.5, shape).astype(float)
    return rng.standard_normal(shape)


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid"])
@pytest.mark.parametrize("cost, output, loss", CASES, ids=lambda case: str(case)[:24])
def test_cost_and_gradients_equal_pytorchs(cost, output, loss, hidden):
    rng = np.random.default_rng(sum(map(ord, str(cost) + output + hidden)))
    X = rng.standard_normal((12, 4))
    net = fcnn.Network([4, 6, 3], [hidden, output], cost, init="xavier_normal", seed=0)
    Y = targets(rng, cost, (12, 3))
    value, gradients = torch_loss_and_gradients(net, X, Y, loss)
    grads = net.gradients(X, Y)
    for ours, theirs in zip(grads.grad_w + grads.grad_b, gradients):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    constant = np.mean(np.sum(xlogy(Y, Y) - Y, axis=1)) if cost == "log_poisson" else 0.0
    assert grads.cost == pytest.approx(value + constant, rel=1e-12)
    assert net.evaluate(X, Y)["cost"] == pytest.approx(value + constant, rel=1e-12)


def test_huber_equals_torchs_across_the_switch():
    """Residuals on both sides of delta and exactly at it."""
    delta = 0.75
    r = np.concatenate([np.linspace(-3, 3, 601), [-delta, delta, 0.0]])
    net = fcnn.Network([1, 1], "linear", Huber(delta=delta))
    net.weights[0] = 1
    net.biases[0] = 0
    a = torch.tensor(r[:, None], requires_grad=True)
    value = torch.nn.HuberLoss(delta=delta, reduction="sum")(a, torch.zeros_like(a))
    value.backward()
    Y = np.zeros((r.size, 1))
    assert net.evaluate(r[:, None], Y)["cost"] * r.size == pytest.approx(value.item(), rel=1e-14)
    assert_allclose(net.gradients(r[:, None], Y).delta[1], a.grad.numpy(), rtol=0, atol=0)
