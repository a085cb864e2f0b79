"""The exp activation and the Poisson cost against PyTorch's, in float64: torch.exp, and
the gradient of torch.nn.PoissonNLLLoss(log_input=True, full=False), whose value differs
from the half Poisson deviance by sum_j (y_j ln y_j - y_j), which no parameter changes."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import xlogy

import fcnn

torch = pytest.importorskip("torch")

ACTIVATIONS = {"exp": torch.exp, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def torch_loss_and_gradients(net, X, Y):
    """PyTorch's mean over the examples of PoissonNLLLoss on z^L, and its gradients."""
    weights = [torch.tensor(w, requires_grad=True) for w in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    a, hidden = torch.tensor(X), []
    for w, b, f in zip(weights, biases, net.activations):
        z = a @ w.T + b
        a = ACTIVATIONS[f.name](z)
        hidden.append(a)
    poisson = torch.nn.PoissonNLLLoss(log_input=True, full=False, reduction="sum")
    loss = poisson(z, torch.tensor(Y)) / X.shape[0]
    loss.backward()
    gradients = [w.grad.numpy() for w in weights] + [b.grad.numpy() for b in biases]
    return loss.item(), gradients, [a.detach().numpy() for a in hidden]


@pytest.mark.parametrize("hidden", ["exp", "tanh", "sigmoid"])
def test_gradients_and_cost_equal_pytorchs(hidden):
    rng = np.random.default_rng(sum(map(ord, hidden)))
    X = 0.5 * rng.standard_normal((12, 4))
    Y = rng.poisson(1.5, (12, 3)).astype(float)
    net = fcnn.Network([4, 6, 3], [hidden, "exp"], "poisson", init="xavier_normal", seed=0)
    loss, gradients, activations = torch_loss_and_gradients(net, X, Y)
    grads = net.gradients(X, Y)
    for ours, theirs in zip(grads.grad_w + grads.grad_b, gradients):
        assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    for ours, theirs in zip(net.trace(X).a[1:], activations):
        assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    constant = np.mean(np.sum(xlogy(Y, Y) - Y, axis=1))
    assert grads.cost == pytest.approx(loss + constant, rel=1e-13)
    assert net.evaluate(X, Y)["cost"] == pytest.approx(loss + constant, rel=1e-13)


def test_exp_equals_torch_exp_to_the_ulp():
    z = np.linspace(-700, 700, 200_001)
    net = fcnn.Network([1, 1], "exp", "poisson")
    net.weights[0] = 1
    net.biases[0] = 0
    ours = net.predict(z[:, None])[:, 0]
    theirs = torch.exp(torch.tensor(z)).numpy()
    assert (np.abs(ours - theirs) <= np.spacing(theirs)).all()
