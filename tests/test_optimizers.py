"""Each optimizer's update against its closed form, one step and ten, and on real data."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import fcnn
from fcnn import reference

OPTIMIZERS = {
    "sgd": lambda: fcnn.SGD(0.3),
    "sgd-weight-decay": lambda: fcnn.SGD(0.3, weight_decay=0.05),
    "momentum": lambda: fcnn.SGD(0.1, momentum=0.9),
    "nesterov": lambda: fcnn.SGD(0.1, momentum=0.8, nesterov=True, weight_decay=0.01),
    "sutskever": lambda: fcnn.SGD(0.1, momentum=0.9, form="sutskever"),
    "sutskever-nesterov": lambda: fcnn.SGD(
        0.1, momentum=0.8, nesterov=True, weight_decay=0.01, form="sutskever"
    ),
    "adam": lambda: fcnn.Adam(0.01),
    "adam-weight-decay": lambda: fcnn.Adam(0.01, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1),
    "adamw": lambda: fcnn.AdamW(0.01, weight_decay=0.1),
    "adam-eps-hat": lambda: fcnn.Adam(0.01, eps=1e-3, weight_decay=0.1, form="eps_hat"),
    "rmsprop": lambda: fcnn.RMSProp(0.01, rho=0.8),
    "adagrad": lambda: fcnn.AdaGrad(0.05),
    "rprop": lambda: fcnn.Rprop(0.02, etas=(0.4, 1.3), step_sizes=(1e-4, 0.05)),
}


def weight_mask(net):
    """1 where theta holds a weight, 0 for biases and PReLU slopes."""
    mask = np.zeros_like(net.theta)
    w_off, _, _, _ = net.internals.layout.offsets()
    for offset, w in zip(w_off, net.weights):
        mask[offset : offset + w.size] = 1
    return mask


def closed_form(opt, theta, g, states, t, is_weight):
    """The update of fcnn/optimizers.py's docstrings, in NumPy: new theta and states.
    t is the number of this update, from 1."""
    h = opt.hyperparameters()
    lr, wd = h["lr"], h.get("weight_decay", 0.0)
    states = [s.copy() for s in states]
    if isinstance(opt, fcnn.AdamW):
        theta = theta - lr * wd * theta * is_weight
    else:
        g = g + wd * theta * is_weight
    if isinstance(opt, fcnn.SGD):
        if h["momentum"] == 0:
            return theta - lr * g, states
        if h["form"] == "sutskever":
            v = states[0] = h["momentum"] * states[0] - lr * g
            step = h["momentum"] * v - lr * g if h["nesterov"] else v
            return theta + step, states
        v = states[0] = h["momentum"] * states[0] + g
        step = g + h["momentum"] * v if h["nesterov"] else v
        return theta - lr * step, states
    if isinstance(opt, fcnn.Adam):
        m = states[0] = h["beta1"] * states[0] + (1 - h["beta1"]) * g
        v = states[1] = h["beta2"] * states[1] + (1 - h["beta2"]) * g**2
        if h["form"] == "eps_hat":
            lr_t = lr * np.sqrt(1 - h["beta2"] ** t) / (1 - h["beta1"] ** t)
            return theta - lr_t * m / (np.sqrt(v) + h["eps"]), states
        m_hat, v_hat = m / (1 - h["beta1"] ** t), v / (1 - h["beta2"] ** t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + h["eps"]), states
    if isinstance(opt, fcnn.RMSProp):
        v = states[0] = h["rho"] * states[0] + (1 - h["rho"]) * g**2
        return theta - lr * g / (np.sqrt(v) + h["eps"]), states
    if isinstance(opt, fcnn.Rprop):
        (eta_minus, eta_plus), (step_min, step_max) = h["etas"], h["step_sizes"]
        product = g * states[0]
        step = np.full_like(theta, lr) if t == 1 else states[1]
        step = np.where(product > 0, step * eta_plus, np.where(product < 0, step * eta_minus, step))
        g = np.where(product < 0, 0.0, g)
        states = [g, np.clip(step, step_min, step_max)]
        return theta - np.sign(g) * states[1], states
    G = states[0] = states[0] + g**2
    return theta - lr * g / (np.sqrt(G) + h["eps"]), states


def problem(seed=0):
    rng = np.random.default_rng(seed)
    net = fcnn.Network([3, 5, 4, 2], ["tanh", "prelu", "linear"], "quadratic", seed=seed)
    return net, rng.normal(size=(20, 3)), rng.normal(size=(20, 2))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_one_step_from_a_fixed_state_matches_the_closed_form(name):
    net, X, Y = problem()
    opt = OPTIMIZERS[name]()
    opt.bind(net.theta.size, net.dtype, net.sizes)
    rng = np.random.default_rng(1)
    for state in opt.states:
        state[...] = rng.uniform(0.01, 0.1, size=state.shape)  # v and G must be >= 0
    opt.t = 4
    theta0, states0 = net.theta.copy(), [s.copy() for s in opt.states]
    g = net.gradients(X, Y).flat.copy()
    net.fit(X, Y, epochs=1, batch_size=None, shuffle=False, optimizer=opt)
    expected, expected_states = closed_form(opt, theta0, g, states0, 5, weight_mask(net))
    assert opt.t == 5
    assert_allclose(net.theta, expected, rtol=0, atol=1e-12)
    for ours, theirs in zip(opt.states, expected_states):
        assert_allclose(ours, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_ten_steps_match_the_numpy_loop(name):
    net, X, Y = problem(2)
    opt = OPTIMIZERS[name]()
    is_weight = weight_mask(net)
    twin = fcnn.Network(net.sizes, net.activations, net.cost)
    twin.theta[...] = net.theta
    theta, states = net.theta.copy(), [np.zeros_like(net.theta)] * 2
    for t in range(1, 11):
        rows = slice(2 * (t - 1), 2 * t)
        twin.theta[...] = theta
        g = twin.gradients(X[rows], Y[rows]).flat
        theta, states = closed_form(opt, theta, g, states, t, is_weight)
    net.fit(X, Y, epochs=1, batch_size=2, shuffle=False, optimizer=opt)
    assert opt.t == 10
    assert_allclose(net.theta, theta, rtol=1e-10, atol=1e-12)


def test_plain_sgd_with_l2_is_the_notes_update():
    """w <- (1 - eta lambda / n) w - (eta/m) sum delta a^T; biases are not decayed."""
    rng = np.random.default_rng(3)
    net = fcnn.Network([4, 6, 3], ["sigmoid", "softmax"], "log_likelihood", seed=1)
    X, y = rng.normal(size=(8, 4)), rng.integers(3, size=8)
    weights, biases = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    _, _, grad_w, grad_b = reference.backprop(
        weights, biases, net.activations, net.cost, X, np.eye(3)[y]
    )
    net.fit(X, y, epochs=1, batch_size=None, lr=0.5, l2=2.0, shuffle=False)
    for w, b, gw, gb, new_w, new_b in zip(weights, biases, grad_w, grad_b, net.weights, net.biases):
        assert_allclose(new_w, (1 - 0.5 * 2.0 / 8) * w - 0.5 * gw, rtol=1e-12)
        assert_allclose(new_b, b - 0.5 * gb, rtol=1e-12)


def test_optimizer_state_carries_over_between_fits():
    net, X, Y = problem(4)
    twin = fcnn.Network(net.sizes, net.activations, net.cost)
    twin.theta[...] = net.theta
    once, twice = fcnn.Adam(0.01), fcnn.Adam(0.01)
    net.fit(X, Y, epochs=4, batch_size=5, shuffle=False, optimizer=once)
    for _ in range(4):
        twin.fit(X, Y, epochs=1, batch_size=5, shuffle=False, optimizer=twice)
    assert once.t == twice.t == 16
    assert_allclose(net.theta, twin.theta, rtol=1e-13)


def test_an_optimizer_belongs_to_one_network_shape():
    opt = fcnn.SGD(0.1, momentum=0.5)
    X = np.zeros((4, 3))
    fcnn.Network([3, 2]).fit(X, np.zeros(4), optimizer=opt)
    with pytest.raises(ValueError, match="already holds the state"):
        fcnn.Network([3, 5, 2]).fit(X, np.zeros(4), optimizer=opt)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: fcnn.SGD(0), r"lr must be a finite number > 0, got 0.0"),
        (lambda: fcnn.SGD(-1), "lr must be"),
        (lambda: fcnn.SGD(0.1, momentum=1.0), r"momentum must be a finite number in \[0, 1\)"),
        (lambda: fcnn.SGD(0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda: fcnn.SGD(0.1, weight_decay=-1), "weight_decay must be a finite number >= 0"),
        (lambda: fcnn.Adam(beta1=1.0), "beta1"),
        (lambda: fcnn.Adam(beta2=-0.1), "beta2"),
        (lambda: fcnn.Adam(eps=0), "eps"),
        (lambda: fcnn.AdamW(lr=float("inf")), "lr"),
        (lambda: fcnn.RMSProp(rho=1.5), "rho"),
        (lambda: fcnn.AdaGrad(eps=-1e-10), "eps"),
        (lambda: fcnn.Rprop(lr=0), "lr"),
        (lambda: fcnn.Rprop(etas=(0.5, 1.0)), r"eta_plus must be a finite number > 1"),
        (lambda: fcnn.Rprop(etas=(0.0, 1.2)), r"eta_minus must be a finite number in \(0, 1\)"),
        (lambda: fcnn.Rprop(etas=(0.5, float("inf"))), r"eta_plus must be a finite number > 1"),
        (lambda: fcnn.Rprop(etas=(0.5,)), r"etas must be a pair \(eta_minus, eta_plus\)"),
        (lambda: fcnn.Rprop(step_sizes=(1.0, 0.5)), "step_min <= step_max"),
        (lambda: fcnn.Rprop(step_sizes=(-1.0, 0.5)), "step_min must be a finite number >= 0"),
        (lambda: fcnn.Rprop(step_sizes=(0, 0)), "step_max must be a finite number > 0"),
        (lambda: fcnn.LBFGS(max_iter=0), "max_iter"),
        (lambda: fcnn.LBFGS(max_fun=0), "max_fun"),
        (lambda: fcnn.LBFGS(tol=-1.0), "tol must be a finite number >= 0"),
    ],
)
def test_bad_hyperparameters_are_refused_when_made(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_lr_and_optimizer_together_are_refused():
    with pytest.raises(ValueError, match="not both"):
        fcnn.Network([2, 1]).fit(np.zeros((2, 2)), np.zeros(2), lr=0.1, optimizer=fcnn.Adam())
    with pytest.raises(TypeError, match="optimizer must be"):
        fcnn.Network([2, 1]).fit(np.zeros((2, 2)), np.zeros(2), optimizer="adam")


@pytest.mark.parametrize(
    "name", ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"]
)
def test_each_optimizer_lowers_the_cost_on_mnist(name, mnist):
    X, y, _, _ = mnist
    X, y = X[:3000], y[:3000]
    net = fcnn.Network([784, 30, 10], ["sigmoid", "softmax"], "log_likelihood", seed=0)
    before = net.evaluate(X, y)["cost"]
    history = net.fit(X, y, epochs=3, batch_size=20, optimizer=OPTIMIZERS[name](), seed=0)
    after = net.evaluate(X, y)
    assert after["cost"] < 0.5 * before
    assert history.cost[-1] < history.cost[0]
    assert after["accuracy"] > 0.8


# fcnn's optimizer in scikit-learn's form, and scikit-learn's own (from its module)
SCIKIT_LEARN_FORMS = {
    "nesterov": (
        lambda: fcnn.SGD(0.2, momentum=0.9, nesterov=True, form="sutskever"),
        lambda module, params: module.SGDOptimizer(params, 0.2, "constant", 0.9, True),
    ),
    "momentum": (
        lambda: fcnn.SGD(0.2, momentum=0.7, form="sutskever"),
        lambda module, params: module.SGDOptimizer(params, 0.2, "constant", 0.7, False),
    ),
    "adam": (
        lambda: fcnn.Adam(0.05, beta1=0.8, beta2=0.9, eps=1e-4, form="eps_hat"),
        lambda module, params: module.AdamOptimizer(params, 0.05, 0.8, 0.9, 1e-4),
    ),
}


@pytest.mark.parametrize("name", SCIKIT_LEARN_FORMS)
def test_forms_match_scikit_learns_optimizers_as_the_learning_rate_changes(name):
    """SGD(form="sutskever") and Adam(form="eps_hat") take scikit-learn's steps, also when
    the learning rate changes between steps (where the two SGD forms part)."""
    module = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    ours, theirs = SCIKIT_LEARN_FORMS[name]
    net, X, Y = problem(5)
    opt = ours()
    params = [net.theta.copy()]
    other = theirs(module, params)
    twin = fcnn.Network(net.sizes, net.activations, net.cost)
    for step, lr in enumerate([0.2, 0.05, 0.05, 0.01, 0.3]):
        twin.theta[...] = params[0]
        g = twin.gradients(X, Y).flat.copy()
        if isinstance(opt, fcnn.SGD):
            opt.lr = other.learning_rate = lr
        net.fit(X, Y, epochs=1, batch_size=None, shuffle=False, optimizer=opt)
        other.update_params(params, [g])
        assert_allclose(net.theta, params[0], rtol=1e-13, atol=1e-15, err_msg=f"step {step}")


def test_forms_are_checked_and_kept_in_the_config():
    with pytest.raises(ValueError, match="form must be one of"):
        fcnn.SGD(0.1, form="keras")
    with pytest.raises(ValueError, match="form must be one of"):
        fcnn.Adam(form="sutskever")
    adam = fcnn.optimizers.from_config(fcnn.AdamW(form="eps_hat").config())
    assert (type(adam), adam.form, adam.update_rule) == (fcnn.AdamW, "eps_hat", "adam_eps_hat")
