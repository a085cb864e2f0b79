"""fit(verbose=True)'s progress bar fed from inside the core, the running accuracy, and
fit(diagnostics=...)'s per-layer figures."""

import builtins
import io
import sys

import numpy as np
import pytest

import fcnn
import fcnn.progress


def _data(n=300, n_in=6, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    y = X[:, :n_out].argmax(axis=1)
    return X, y


@pytest.fixture
def no_tqdm(monkeypatch):
    real_import = builtins.__import__

    def without_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError("no tqdm here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_tqdm)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_verbose_prints_one_summary_line_per_epoch_when_not_on_a_terminal(capsys):
    X, y = _data()
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    history = net.fit(X, y, epochs=3, batch_size=10, lr=1.0, validation_split=0.2, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines, 1):
        assert line.startswith(f"epoch {epoch}/3")
        assert f"cost {history.cost[epoch - 1]:.6g}" in line
        assert f"accuracy {history.accuracy[epoch - 1]:.4f}" in line
        assert f"val_accuracy {history.val_accuracy[epoch - 1]:.4f}" in line
        assert "samples/s" in line


def test_verbose_on_a_terminal_draws_a_tqdm_bar_per_epoch(monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sys, "stdout", Terminal())
    X, y = _data(n=3000)
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    net.fit(X, y, epochs=2, batch_size=10, lr=1.0, verbose=True)
    out = sys.stdout.getvalue()
    assert "epoch 1/2" in out and "epoch 2/2" in out and "100%" in out
    assert "accuracy" in out and "samples/s" in out


def test_verbose_on_a_terminal_without_tqdm_rewrites_one_plain_line(no_tqdm, monkeypatch):
    monkeypatch.setattr(sys, "stdout", Terminal())
    X, y = _data(n=3000)
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    history = net.fit(X, y, epochs=2, batch_size=10, lr=1.0, verbose=True)
    lines = sys.stdout.getvalue().split("\n")
    assert len(lines) == 3 and lines[-1] == ""
    for epoch, line in enumerate(lines[:2], 1):
        updates = line.split("\r")
        assert len(updates) > 10  # the bar moved during the epoch
        assert f"epoch {epoch}/2 [" in updates[1] and "cost" in updates[-2]
        assert f"cost {history.cost[epoch - 1]:.6g}" in updates[-1]


def test_the_core_reports_progress_during_an_epoch(no_tqdm, monkeypatch):
    reports = []
    original = fcnn.progress.EpochProgress.update

    def recording(self, done, cost_sum):
        reports.append((done, cost_sum))
        original(self, done, cost_sum)

    monkeypatch.setattr(fcnn.progress.EpochProgress, "update", recording)
    X, y = _data(n=2000)
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    history = net.fit(X, y, epochs=1, batch_size=5, lr=1.0, verbose=True)
    done = [d for d, _ in reports]
    assert len(done) >= 50 and done == sorted(done) and done[-1] < 2000
    # the running cost so far is a prefix of the epoch's running cost
    assert reports[-1][1] / done[-1] == pytest.approx(history.cost[0], rel=0.2)


def test_an_interrupt_from_the_progress_callback_restores_the_epoch(no_tqdm, monkeypatch):
    def interrupt(self, done, cost_sum):
        if done > 500:
            raise KeyboardInterrupt

    monkeypatch.setattr(fcnn.progress.EpochProgress, "update", interrupt)
    X, y = _data(n=2000)
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    optimizer = fcnn.Adam(0.01)
    net.fit(X, y, epochs=1, batch_size=5, optimizer=optimizer)
    before = net.theta.copy(), [s.copy() for s in optimizer.states], optimizer.t
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y, epochs=1, batch_size=5, optimizer=optimizer, verbose=True)
    assert np.array_equal(net.theta, before[0])
    assert all(np.array_equal(s, b) for s, b in zip(optimizer.states, before[1]))
    assert optimizer.t == before[2]


@pytest.mark.parametrize("targets", ["labels", "one_hot", "binary"])
def test_running_accuracy_of_a_full_batch_is_the_accuracy_before_the_step(targets):
    X, y = _data(n=200)
    if targets == "binary":
        net, Y = fcnn.Network([6, 4, 1], "sigmoid", seed=3), (y == 0).astype(float)
    else:
        net, Y = fcnn.Network([6, 4, 3], "sigmoid", seed=3), y
        if targets == "one_hot":
            Y = np.eye(3)[y]
    before = net.evaluate(X, Y)
    history = net.fit(X, Y, epochs=1, batch_size=None, lr=0.5, shuffle=False)
    assert history.accuracy == [before["accuracy"]]
    assert history.cost[0] == pytest.approx(before["cost"], rel=1e-12)


def test_regression_targets_record_no_accuracy():
    X, _ = _data()
    net = fcnn.Network([6, 4, 2], ["tanh", "linear"], seed=0)
    history = net.fit(X, X[:, :2] * 0.3, epochs=2, lr=0.1)
    assert history.accuracy == []


def test_gradient_norms_are_those_of_the_mean_cost_gradient_after_each_epoch():
    X, y = _data(n=2500)  # more than one chunk of the core's measurement
    net = fcnn.Network([6, 5, 4, 3], ["relu", "sigmoid", "softmax"], "log_likelihood", seed=0)
    history = net.fit(X, y, epochs=2, batch_size=20, lr=0.1, diagnostics=("grad_norm",))
    grads = net.gradients(X, y)
    assert len(history.grad_norm_w) == 2
    np.testing.assert_allclose(
        history.grad_norm_w[-1], [np.linalg.norm(g) for g in grads.grad_w], rtol=1e-10
    )
    np.testing.assert_allclose(
        history.grad_norm_b[-1], [np.linalg.norm(g) for g in grads.grad_b], rtol=1e-10
    )
    assert history.dead_units == [] and history.saturation == []


def test_dead_units_and_saturation_count_what_the_trace_shows():
    X, y = _data(n=400)
    net = fcnn.Network([6, 8, 5, 3], ["relu", "tanh", "sigmoid"], seed=1)
    history = net.fit(X, y, epochs=1, lr=0.1, diagnostics="all")
    trace = net.trace(X)
    dead = float(np.mean(~(trace.z[1] > 0).any(axis=0)))
    assert history.dead_units[-1] == [pytest.approx(dead), None, None]
    saturated = [float(np.mean(np.abs(trace.z[l]) > 4)) for l in (2, 3)]
    assert history.saturation[-1] == [None] + [pytest.approx(s) for s in saturated]
    # a unit that can never fire
    net.biases[0][:2] = -1e3
    history = net.fit(X, y, epochs=1, lr=1e-9, diagnostics=["dead_units"])
    assert history.dead_units[-1][0] >= 2 / 8


def test_unknown_diagnostics_are_refused():
    X, y = _data()
    net = fcnn.Network([6, 3], seed=0)
    with pytest.raises(ValueError, match="unknown diagnostic 'norms'.*grad_norm"):
        net.fit(X, y, diagnostics=("norms",))
