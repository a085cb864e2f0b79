"""Rprop against torch.optim.Rprop over full-batch steps, and its state in the model file."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fcnn


def problem(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    net = fcnn.Network(
        [3, 5, 4, 2], ["tanh", "sigmoid", "linear"], "quadratic", seed=seed, dtype=dtype
    )
    return net, rng.normal(size=(24, 3)), rng.normal(size=(24, 2))


def torch_rprop_run(net, X, Y, steps, **hyperparameters):
    """The parameters after `steps` full-batch steps of torch.optim.Rprop on a torch mirror
    of `net` (quadratic cost, mean over the rows)."""
    torch = pytest.importorskip("torch")
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    params = []
    for w, b in zip(net.weights, net.biases):
        params += [torch.tensor(w, dtype=dtype, requires_grad=True)]
        params += [torch.tensor(b, dtype=dtype, requires_grad=True)]
    functions = [torch.tanh, torch.sigmoid, lambda z: z]
    x, y = torch.tensor(X, dtype=dtype), torch.tensor(Y, dtype=dtype)
    optimizer = torch.optim.Rprop(params, **hyperparameters)
    for _ in range(steps):
        optimizer.zero_grad()
        a = x
        for k, f in enumerate(functions):
            a = f(a @ params[2 * k].T + params[2 * k + 1])
        cost = 0.5 * ((a - y) ** 2).sum(dim=1).mean()
        cost.backward()
        optimizer.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize(
    "hyperparameters",
    [{}, {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}, {"lr": 1.0}],
)
def test_rprop_equals_torch_over_20_full_batch_steps(hyperparameters):
    net, X, Y = problem()
    expected = torch_rprop_run(net, X, Y, 20, **hyperparameters)
    optimizer = fcnn.Rprop(**hyperparameters)
    net.fit(X, Y, epochs=20, batch_size=None, shuffle=False, optimizer=optimizer)
    assert optimizer.t == 20
    ours = [p for w, b in zip(net.weights, net.biases) for p in (w, b)]
    for mine, theirs in zip(ours, expected):
        assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)


def test_rprop_float32_follows_torch_to_float32_rounding():
    net, X, Y = problem(1, np.float32)
    expected = torch_rprop_run(net, X, Y, 20)
    net.fit(X, Y, epochs=20, batch_size=None, shuffle=False, optimizer=fcnn.Rprop())
    ours = [p for w, b in zip(net.weights, net.biases) for p in (w, b)]
    for mine, theirs in zip(ours, expected):
        assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)


def test_rprop_state_is_saved_and_a_loaded_network_continues_bit_for_bit(tmp_path):
    net, X, Y = problem(2)
    twin = fcnn.Network(net.sizes, net.activations, net.cost)
    twin.theta[...] = net.theta
    net.fit(X, Y, epochs=12, batch_size=None, shuffle=False, optimizer=fcnn.Rprop(lr=0.03))
    twin.fit(X, Y, epochs=5, batch_size=None, shuffle=False, optimizer=fcnn.Rprop(lr=0.03))
    path = tmp_path / "rprop.fcnn"
    twin.save(path)
    loaded = fcnn.load(path)
    assert loaded.optimizer.config() == twin.optimizer.config()
    assert loaded.optimizer.config()["etas"] == (0.5, 1.2)
    for saved, live in zip(loaded.optimizer.states, twin.optimizer.states):
        assert_array_equal(saved, live)
    loaded.fit(X, Y, epochs=7, batch_size=None, shuffle=False)
    assert_array_equal(loaded.theta, net.theta)


def test_rprop_config_round_trip():
    rprop = fcnn.Rprop(lr=0.2, etas=(0.25, 1.5), step_sizes=(0, 3))
    again = fcnn.optimizers.from_config(rprop.config())
    assert again.hyperparameters() == rprop.hyperparameters()
    assert repr(again) == "Rprop(lr=0.2, etas=(0.25, 1.5), step_sizes=(0.0, 3.0))"


def test_rprop_pairs_are_checked_when_made_and_when_training():
    with pytest.raises(TypeError, match="etas must be a pair"):
        fcnn.Rprop(etas=0.5)
    with pytest.raises(TypeError, match="step_min"):
        fcnn.Rprop(step_sizes=("0", 1))
    net, X, Y = problem()
    rprop = fcnn.Rprop()
    rprop.step_sizes = (2.0, 1.0)
    with pytest.raises(ValueError, match="step_min <= step_max"):
        net.fit(X, Y, batch_size=None, optimizer=rprop)
