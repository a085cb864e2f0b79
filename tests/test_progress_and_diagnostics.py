"""fit(verbose=True)'s progress bar fed from inside the core, the running accuracy, and
fit(diagnostics=...)'s per-layer figures."""

import builtins
import gc
import io
import re
import sys

import numpy as np
import pytest

import fcnn
import fcnn.cli
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
    assert "epoch 1/2" in out and "epoch 2/2" in out and "%|" in out
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


# ---------------------------------------------------------------- what a terminal shows

EPOCH_LINE = re.compile(
    r"^epoch +(\d+)/(\d+)  cost \S+(  accuracy 0\.\d{4})?(  val_cost \S+)?(  val_accuracy "
    r"[01]\.\d{4})?  lr (\S+)  \d+\.\d\d s \([\d,]+ samples/s\)$"
)


def _epoch_lines(text):
    return [line for line in text.splitlines() if line.startswith("epoch")]


def test_fit_demo_and_train_print_one_epoch_line_format(tmp_path, capsys):
    X, y = _data()
    fcnn.Network([6, 5, 3], "sigmoid", seed=0).fit(X, y, epochs=10, lr=3.0, verbose=True)
    fitted = _epoch_lines(capsys.readouterr().out)
    fcnn.cli.main(["demo", "--epochs", "2", "--train-samples", "500"])
    demo = _epoch_lines(capsys.readouterr().out)
    argv = ["train", "--out", str(tmp_path / "m"), "--epochs", "2", "--train-samples", "500"]
    fcnn.cli.main(argv)
    train = _epoch_lines(capsys.readouterr().out)
    assert len(fitted) == 10 and len(demo) == len(train) == 2
    for line in fitted + demo + train:
        match = EPOCH_LINE.match(line)
        assert match, line
        epoch, epochs = match.group(1), match.group(2)
        assert len(line.split("/")[0]) == len("epoch ") + len(epochs)  # padded to epochs' width
        assert int(epoch) <= int(epochs)
    assert fitted[0].startswith("epoch  1/10") and " lr 3  " in fitted[0]  # not "lr 3.0"
    assert " lr 0.5  " in demo[0] and " lr 3  " in train[0]


def _segments(text):
    """What a terminal shows after each carriage return or newline."""
    return [part for line in text.split("\n") for part in line.split("\r") if part]


SUMMARY = (
    "cost 0.123457  accuracy 0.9123  val_cost 0.234568  val_accuracy 0.9012  lr 0.001  "
    "1.00 s (1,000,000 samples/s)"
)


@pytest.fixture
def clock(monkeypatch):
    """fcnn.progress's clock, advanced by hand: one second per reading."""
    ticks = iter(range(10**6))
    monkeypatch.setattr(fcnn.progress.time, "perf_counter", lambda: float(next(ticks)))


def test_the_plain_line_fits_80_columns_and_each_redraw_covers_the_last(
    no_tqdm, clock, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "80")
    terminal = Terminal()
    n = 10**6
    progress = fcnn.progress.EpochProgress(1000, 1000, n, stream=terminal)
    for done in (1, n // 3, n // 2, n):
        progress.update(done, 0.123456789 * done)
    progress.close(SUMMARY)
    text = terminal.getvalue()
    live = text[: text.rindex("\r")].split("\r")[1:]
    assert len(live) == 5 and "1,000,000 samples/s" in text
    assert all(len(segment) == 79 for segment in live)  # same width: no stale characters
    assert "[" in live[-1] and "1,000,000/1,000,000" in live[-1] and "cost 0.12346" in live[-1]
    shown = _segments(text)[-2:]  # the summary, wrapped to the terminal
    assert all(len(line) < 80 for line in shown)
    assert shown[0].startswith("epoch 1000/1000  cost 0.123457")
    for metric in ("accuracy 0.9123", "val_cost 0.234568", "val_accuracy 0.9012", "samples/s"):
        assert metric in "".join(shown)


def test_with_tqdm_at_80_columns_the_metrics_stay_visible(monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys, "stdout", Terminal())
    X, y = _data(n=3000)
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    history = net.fit(X, y, epochs=3, batch_size=10, lr=1.0, validation_split=0.2, verbose=True)
    progress = fcnn.progress.EpochProgress(1000, 1000, 10**6)
    progress.update(10**6 // 2, 0.2 * 10**6)
    progress.close(SUMMARY)
    shown = _segments(re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", sys.stdout.getvalue()))
    assert all(len(line) <= 80 for line in shown)
    assert any("%|" in line for line in shown)  # the bar was drawn
    summary = " ".join(line for line in shown if "%|" not in line and line.strip())
    for epoch in range(1, 4):
        assert f"accuracy {history.accuracy[epoch - 1]:.4f}" in summary
        assert f"val_cost {history.val_cost[epoch - 1]:.6g}" in summary
        assert f"val_accuracy {history.val_accuracy[epoch - 1]:.4f}" in summary
    for metric in SUMMARY.split("  "):
        assert metric in summary


class FakeBar:
    """Stands in for tqdm.auto's notebook bar."""

    made = []

    def __init__(self, **kwargs):
        self.kwargs, self.n, self.closed = kwargs, 0, False
        FakeBar.made.append(self)

    def update(self, count):
        self.n += count

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text

    def close(self):
        self.closed = True


def test_in_a_notebook_tqdm_auto_draws_the_bar(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    monkeypatch.setattr(fcnn.progress, "_in_notebook", lambda: True)
    monkeypatch.setattr(tqdm_auto, "tqdm", FakeBar)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # a notebook's stdout is no terminal
    FakeBar.made.clear()
    X, y = _data()
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    history = net.fit(X, y, epochs=2, batch_size=10, lr=1.0, verbose=True)
    assert len(FakeBar.made) == 2 and all(bar.closed and bar.n == 300 for bar in FakeBar.made)
    assert "ncols" not in FakeBar.made[0].kwargs  # a widget sizes itself
    assert f"cost {history.cost[1]:.6g}" in sys.stdout.getvalue().splitlines()[1]


def test_in_a_notebook_without_ipywidgets_the_plain_line_is_drawn(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    monkeypatch.setattr(fcnn.progress, "_in_notebook", lambda: True)
    monkeypatch.setattr(tqdm_auto, "tqdm", tqdm_auto.asyncio_tqdm)  # what tqdm.auto picks then
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    X, y = _data(n=3000)
    fcnn.Network([6, 5, 3], "sigmoid", seed=0).fit(X, y, epochs=1, lr=1.0, verbose=True)
    updates = sys.stdout.getvalue().split("\r")
    assert len(updates) > 10 and "epoch 1/1 [" in updates[1]


@pytest.mark.parametrize("with_tqdm", [True, False])
def test_ctrl_c_closes_the_bar_and_keeps_the_history_of_the_finished_epochs(
    with_tqdm, monkeypatch, request
):
    if with_tqdm:
        pytest.importorskip("tqdm")
    else:
        request.getfixturevalue("no_tqdm")
    monkeypatch.setattr(sys, "stdout", Terminal())
    original = fcnn.progress.EpochProgress.update
    calls = []

    def interrupt_in_epoch_3(self, done, cost_sum):
        original(self, done, cost_sum)
        calls.append(self)
        if self._label.startswith("epoch 3") and done > 1000:
            raise KeyboardInterrupt

    monkeypatch.setattr(fcnn.progress.EpochProgress, "update", interrupt_in_epoch_3)
    X, y = _data(n=3000)
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    with pytest.raises(KeyboardInterrupt) as caught:
        net.fit(X, y, epochs=5, batch_size=10, lr=1.0, verbose=True)
    history = caught.value.history
    assert history.epochs == 2 and len(history.accuracy) == 2
    assert np.array_equal(net.predict(X), net.predict(X))  # still usable
    before = sys.stdout.getvalue()
    assert before[-1] in "\r\n"  # the bar's line was ended or erased
    sys.stdout.write("the user's own output\n")
    calls.clear()  # the last references to the bars
    gc.collect()
    assert sys.stdout.getvalue() == before + "the user's own output\n"


def test_ctrl_c_between_epochs_keeps_the_finished_epochs_parameters_and_history(monkeypatch):
    X, y = _data()
    validation = _data(n=50, seed=1)
    finished = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    expected = finished.fit(X, y, epochs=2, lr=1.0, validation_data=validation, seed=4)
    net = fcnn.Network([6, 5, 3], "sigmoid", seed=0)
    evaluate, calls = fcnn.network._evaluate, []

    def interrupted_in_epoch_3(*args):
        calls.append(1)
        if len(calls) == 3:  # after the core's third epoch, before it is recorded
            raise KeyboardInterrupt
        return evaluate(*args)

    monkeypatch.setattr(fcnn.network, "_evaluate", interrupted_in_epoch_3)
    with pytest.raises(KeyboardInterrupt) as caught:
        net.fit(X, y, epochs=5, lr=1.0, validation_data=validation, seed=4)
    assert caught.value.history.as_dict() == {
        **expected.as_dict(),
        "seconds": caught.value.history.seconds,
        "samples_per_second": caught.value.history.samples_per_second,
    }
    np.testing.assert_array_equal(net.theta, finished.theta)
