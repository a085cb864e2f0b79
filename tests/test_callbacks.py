"""fit's callbacks and metrics: when they are called, what they can change, the shipped
callbacks (Checkpoint, CSVLogger), and how their errors leave the network."""

import csv
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fcnn
from fcnn.callbacks import Callback, Checkpoint, CSVLogger


def data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.intp) + (X[:, 2] > 1)
    return X, y


def network():
    return fcnn.Network([4, 5, 3], ["tanh", "softmax"], "log_likelihood", seed=3)


def adam_fit(net, X, y, epochs, **options):
    optimizer = fcnn.Adam(0.01) if net.optimizer is None else None
    return net.fit(X, y, epochs=epochs, batch_size=8, optimizer=optimizer, **options)


def sequence(values):
    """A metric that returns the given values in turn (the first for fit's check)."""
    calls = iter(values)
    return lambda y_true, y_pred: next(calls)


class Recorder(Callback):
    def __init__(self):
        self.calls = []
        self.thetas = {}

    def on_train_begin(self, net, logs):
        self.calls.append(("train_begin", dict(logs)))

    def on_epoch_begin(self, net, epoch, logs):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, net, epoch, logs):
        self.calls.append(("epoch_end", epoch, dict(logs)))
        self.thetas[epoch] = net.theta.copy()

    def on_train_end(self, net, logs):
        self.calls.append(("train_end", dict(logs)))


def test_callbacks_are_called_between_epochs_with_the_epochs_figures():
    X, y = data()
    recorder = Recorder()
    history = network().fit(
        X, y, epochs=2, lr=0.1, validation_data=(X, y), callbacks=[recorder, object()]
    )
    names = [call[0] for call in recorder.calls]
    assert names == ["train_begin", "epoch_begin", "epoch_end"] * 1 + [
        "epoch_begin",
        "epoch_end",
        "train_end",
    ]
    _, epoch, logs = recorder.calls[4]
    assert epoch == 2
    assert logs == {
        "cost": history.cost[1],
        "accuracy": history.accuracy[1],
        "val_cost": history.val_cost[1],
        "val_accuracy": history.val_accuracy[1],
        "lr": 0.1,
    }
    assert recorder.calls[-1][1] == logs


def test_a_callback_stops_training_and_changes_the_learning_rate():
    class Halve(Callback):
        def on_epoch_end(self, net, epoch, logs):
            net.optimizer.lr /= 2
            if epoch == 3:
                net.stop_training = True

    X, y = data()
    net = network()
    history = net.fit(X, y, epochs=10, lr=0.4, callbacks=[Halve()])
    assert history.lr == [0.4, 0.2, 0.1]
    assert history.epochs == 3 and history.stopped_epoch == 3
    # the next fit starts with stop_training cleared
    assert net.fit(X, y, epochs=2).epochs == 2


def test_training_without_callbacks_is_unchanged():
    X, y = data()
    a, b = network(), network()
    adam_fit(a, X, y, 3)
    adam_fit(
        b,
        X,
        y,
        3,
        callbacks=[Recorder()],
        metrics={"m": sequence([1.0] * 4)},
        metrics_on="training",
    )
    assert np.array_equal(a.theta, b.theta)


def test_a_checkpoint_resumed_continues_bit_for_bit(tmp_path):
    X, y = data()
    straight = network()
    adam_fit(straight, X, y, 6, dropout=0.2)
    first = network()
    pattern = str(tmp_path / "net-{epoch}-{cost:.3f}.fcnn")
    history = adam_fit(first, X, y, 3, dropout=0.2, callbacks=[Checkpoint(pattern)])
    assert len(os.listdir(tmp_path)) == 3
    resumed = fcnn.load(pattern.format(epoch=3, cost=history.cost[-1]))
    assert np.array_equal(resumed.theta, first.theta)
    adam_fit(resumed, X, y, 3, dropout=0.2)
    assert np.array_equal(resumed.theta, straight.theta)


def test_a_killed_run_resumed_from_its_last_checkpoint_ends_as_the_uninterrupted_one(tmp_path):
    X, y = data()
    np.savez(tmp_path / "data.npz", X=X, y=y)
    script = textwrap.dedent(
        f"""
        import os
        import numpy as np
        import fcnn
        from fcnn.callbacks import Callback, Checkpoint

        class Kill(Callback):
            def on_epoch_end(self, net, epoch, logs):
                if epoch == 4:
                    os._exit(0)

        arrays = np.load({str(tmp_path / "data.npz")!r})
        net = fcnn.Network([4, 5, 3], ["tanh", "softmax"], "log_likelihood", seed=3)
        pattern = {str(tmp_path / "last.fcnn")!r}
        net.fit(arrays["X"], arrays["y"], epochs=6, batch_size=8, optimizer=fcnn.Adam(0.01),
                callbacks=[Checkpoint(pattern), Kill()])
        raise SystemExit("not killed")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    resumed = fcnn.load(tmp_path / "last.fcnn")
    adam_fit(resumed, X, y, 2)
    straight = network()
    adam_fit(straight, X, y, 6)
    assert np.array_equal(resumed.theta, straight.theta)


def test_checkpoint_saves_the_best_only_by_its_monitor(tmp_path):
    X, y = data()
    path = tmp_path / "best.fcnn"
    recorder = Recorder()
    scores = [0.0, 0.2, 0.6, 0.4, 0.7, 0.1]
    network().fit(
        X,
        y,
        epochs=5,
        lr=0.1,
        validation_data=(X, y),
        metrics={"score": sequence(scores)},
        callbacks=[
            recorder,
            Checkpoint(path, monitor="val_score", mode="max", save_best_only=True),
        ],
    )
    assert np.array_equal(fcnn.load(path).theta, recorder.thetas[4])


def test_early_stopping_on_a_metric_with_mode_max_keeps_the_best_epoch():
    X, y = data()
    recorder = Recorder()
    scores = [0.0, 0.1, 0.5, 0.9, 0.3, 0.2, 0.95]  # the first for fit's check
    net = network()
    history = net.fit(
        X,
        y,
        epochs=10,
        lr=0.1,
        validation_data=(X, y),
        metrics={"score": sequence(scores)},
        early_stopping=True,
        monitor="val_score",
        mode="max",
        patience=2,
        callbacks=[recorder],
    )
    assert history.val_score == [0.1, 0.5, 0.9, 0.3, 0.2]
    assert history.metrics == {"val_score": history.val_score}
    assert (history.best_epoch, history.stopped_epoch) == (3, 5)
    assert not np.array_equal(recorder.thetas[5], recorder.thetas[3])
    assert np.array_equal(net.theta, recorder.thetas[3])


def test_metrics_receive_class_labels_or_targets_on_the_data_asked_for():
    from sklearn.metrics import accuracy_score, mean_absolute_error

    X, y = data()
    X_val, y_val = data(30, seed=1)
    net = network()
    history = net.fit(
        X,
        y,
        epochs=2,
        lr=0.1,
        validation_data=(X_val, y_val),
        metrics={"acc": accuracy_score},
        metrics_on="both",
    )
    assert history.acc[-1] == net.evaluate(X, y)["accuracy"]
    assert history.val_acc == history.val_accuracy
    assert "acc" in history.describe_last() and "val_acc" in repr(history)
    assert history.as_dict()["metrics"] == {"val_acc": history.val_acc, "acc": history.acc}

    regressor = fcnn.Network([4, 3, 1], "linear", seed=0)
    targets = X[:, 0] * 0.5
    history = regressor.fit(
        X,
        targets,
        epochs=1,
        lr=0.01,
        metrics={"mae": mean_absolute_error},
        metrics_on="training",
    )
    assert history.mae == [pytest.approx(np.mean(np.abs(regressor.predict(X)[:, 0] - targets)))]


def test_scikit_learn_scorers_see_the_network_as_an_estimator():
    from sklearn.metrics import accuracy_score, f1_score, make_scorer, r2_score, roc_auc_score

    X, y = data()
    net = network()
    history = net.fit(
        X,
        y,
        epochs=2,
        lr=0.1,
        validation_data=(X, y),
        metrics={"f1": "f1_macro", "acc": make_scorer(accuracy_score), "auc": "roc_auc_ovr"},
    )
    outputs = net.predict(X)
    assert history.val_f1[-1] == f1_score(y, outputs.argmax(1), average="macro")
    assert history.val_acc == history.val_accuracy
    assert history.val_auc[-1] == roc_auc_score(y, outputs, multi_class="ovr")

    binary = fcnn.Network([4, 3, 1], ["tanh", "sigmoid"], "cross_entropy", seed=0)
    history = binary.fit(
        X, y == 1, epochs=1, lr=0.1, validation_data=(X, y == 1), metrics={"auc": "roc_auc"}
    )
    assert history.val_auc == [roc_auc_score(y == 1, binary.predict(X)[:, 0])]

    regressor = fcnn.Network([4, 3, 1], "linear", seed=0)
    history = regressor.fit(
        X, X[:, 0], epochs=1, lr=0.01, validation_data=(X, X[:, 0]), metrics={"r2": "r2"}
    )
    assert history.val_r2 == [r2_score(X[:, 0], regressor.predict(X)[:, 0])]


def test_a_history_with_metrics_plots_them(tmp_path):
    pytest.importorskip("matplotlib")
    X, y = data()
    history = network().fit(
        X, y, epochs=2, lr=0.1, validation_split=0.2, metrics={"one": lambda t, p: 1.0}
    )
    figure = history.plot(tmp_path / "history.png")
    assert [ax.get_title() for ax in figure.axes] == ["cost", "accuracy", "metrics"]
    assert "val_one" in history._repr_html_()


def test_csv_logger_writes_a_row_per_epoch(tmp_path):
    X, y = data()
    path = tmp_path / "log.csv"
    history = network().fit(X, y, epochs=3, lr=0.1, callbacks=[CSVLogger(path)])
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["epoch", "cost", "accuracy", "lr"]
    assert [float(row[1]) for row in rows[1:]] == history.cost
    network().fit(X, y, epochs=1, lr=0.1, callbacks=[CSVLogger(path)])
    with open(path, newline="") as file:
        assert len(list(csv.reader(file))) == 2  # written anew by each fit
    net, logger = network(), CSVLogger(path, append=True)
    net.partial_fit(X, y, lr=0.1, validation_data=(X, y), callbacks=[logger])
    net.partial_fit(X, y, callbacks=[logger])
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    assert [row[0] for row in rows] == ["epoch", "1", "1", "2"]
    assert len(rows[2]) == 4  # the first fit's columns, without val_cost


def test_checkpoint_keeps_its_best_across_partial_fits(tmp_path):
    X, y = data()
    path = tmp_path / "best.fcnn"
    checkpoint = Checkpoint(path, monitor="score", mode="max", save_best_only=True)
    options = {"metrics": {"score": sequence([0, 0.5, 0, 0.4])}, "metrics_on": "training"}
    net = network()
    net.partial_fit(X, y, lr=0.1, callbacks=[checkpoint], **options)
    best = net.theta.copy()
    net.partial_fit(X, y, callbacks=[checkpoint], **options)
    assert not np.array_equal(net.theta, best)
    assert np.array_equal(fcnn.load(path).theta, best) and checkpoint.best == 0.5


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"monitor": "val_f1"}, ValueError, "monitor must be"),
        ({"early_stopping": True, "monitor": "val_m"}, ValueError, "mode must be"),
        ({"early_stopping": True, "mode": "up"}, ValueError, "mode must be"),
        ({"mode": "higher"}, ValueError, "mode must be"),
        ({"metrics": {"m": lambda t, p: "0.5"}}, TypeError, "must return a real number"),
        ({"metrics": {"m": lambda t, p: None}}, TypeError, "must return a real number"),
        ({"metrics": {"m": lambda t, p: True}}, TypeError, "must return a real number"),
        ({"metrics": {"m": 0.5}}, TypeError, "must be a function"),
        ({"metrics": {"m": "no_such_scorer"}}, ValueError, "no_such_scorer"),
        ({"metrics": {"cost": len}}, ValueError, "History's own"),
        ({"metrics": {"f-1": len}}, ValueError, "identifier"),
        ({"metrics": [len]}, TypeError, "dict"),
        ({"metrics_on": "test"}, ValueError, "metrics_on"),
        ({"callbacks": Recorder()}, TypeError, "list of callbacks"),
        ({"callbacks": [Checkpoint("x", monitor="val_f1")]}, ValueError, "Checkpoint monitors"),
    ],
)
def test_bad_arguments_are_refused_before_training(options, error, match):
    X, y = data()
    net = network()
    before = net.theta.copy()
    options = {"validation_data": (X, y), "metrics": {"m": lambda t, p: 0.5}, **options}
    with pytest.raises(error, match=match):
        net.fit(X, y, epochs=2, lr=0.1, **options)
    assert np.array_equal(net.theta, before) and net.optimizer is None


def test_metrics_need_the_data_they_score():
    X, y = data()
    with pytest.raises(ValueError, match="need validation_data"):
        network().fit(X, y, metrics={"m": lambda t, p: 0.5})
    with pytest.raises(ValueError, match="need arrays"):
        network().fit([(X, y)], metrics={"m": lambda t, p: 0.5}, metrics_on="training")
    with pytest.raises(ValueError, match="save_best_only needs a monitor"):
        Checkpoint("x", save_best_only=True)
    with pytest.raises(ValueError, match="mode must be"):
        Checkpoint("x", monitor="cost", mode="auto")  # type: ignore[arg-type]


def test_a_metric_that_raises_leaves_the_last_finished_epoch():
    def failing():
        calls = iter(range(100))

        def metric(y_true, y_pred):
            if next(calls) == 3:  # the check, epochs 1 and 2, then epoch 3
                raise RuntimeError("metric failed")
            return 0.0

        return metric

    X, y = data()
    net = network()
    with pytest.raises(RuntimeError, match="metric failed"):
        adam_fit(net, X, y, 5, metrics={"m": failing()}, metrics_on="training")
    two = network()
    adam_fit(two, X, y, 2)
    assert np.array_equal(net.theta, two.theta)
    assert net.optimizer.t == two.optimizer.t
    adam_fit(net, X, y, 1)
    adam_fit(two, X, y, 1)
    assert np.array_equal(net.theta, two.theta)  # the generator too


def test_a_callback_that_raises_leaves_its_recorded_epoch():
    class Fail(Callback):
        def on_epoch_end(self, net, epoch, logs):
            if epoch == 3:
                raise RuntimeError("callback failed")

    X, y = data()
    net = network()
    with pytest.raises(RuntimeError, match="callback failed"):
        adam_fit(net, X, y, 5, callbacks=[Fail()])
    three = network()
    adam_fit(three, X, y, 3)
    assert np.array_equal(net.theta, three.theta)
    adam_fit(net, X, y, 1)
    adam_fit(three, X, y, 1)
    assert np.array_equal(net.theta, three.theta)


def test_partial_fit_takes_callbacks():
    X, y = data()
    recorder = Recorder()
    net = network()
    net.partial_fit(X, y, lr=0.1, callbacks=[recorder])
    net.partial_fit(X, y, callbacks=[recorder])
    assert [call[1] for call in recorder.calls if call[0] == "epoch_end"] == [1, 2]


class BatchRecorder(Callback):
    """Records each on_batch_end; stops training, or sets the learning rate, at a batch."""

    def __init__(self, stop_at=None, lr_at=None, lr=None):
        self.calls, self.stop_at, self.lr_at, self.lr = [], stop_at, lr_at, lr

    def on_batch_end(self, net, batch, logs):
        self.calls.append((batch, dict(logs)))
        if batch == self.lr_at:
            net.optimizer.lr = self.lr
        if batch == self.stop_at:
            net.stop_training = True


@pytest.mark.parametrize("verbose", [False, True])
def test_on_batch_end_every_k_mini_batches_leaves_training_unchanged(verbose, capsys):
    X, y = data(n=60)  # 8 mini-batches of 8 rows, the last of 4
    recorder = BatchRecorder()
    net, plain = network(), network()
    history = adam_fit(net, X, y, 2, callbacks=[recorder], batch_callback_every=3, verbose=verbose)
    expected = adam_fit(plain, X, y, 2)
    assert np.array_equal(net.theta, plain.theta)
    assert history.cost == expected.cost and history.accuracy == expected.accuracy
    assert [batch for batch, _ in recorder.calls] == [3, 6, 3, 6]
    assert [logs["samples"] for _, logs in recorder.calls] == [24, 48, 24, 48]
    # the running cost so far: that of an epoch over those rows alone, in their order
    first = network()
    cost = first.fit(X[:24], y[:24], epochs=1, batch_size=8, lr=0.1, shuffle=False).cost[0]
    calls = BatchRecorder()
    network().fit(
        X, y, batch_size=8, lr=0.1, shuffle=False, callbacks=[calls], batch_callback_every=3
    )
    assert calls.calls[0][1] == {"cost": cost, "samples": 24, "lr": 0.1}


def test_on_batch_end_counts_the_mini_batches_of_a_stream_across_its_pieces():
    X, y = data(n=64)
    chunks = [(X[i : i + 8], y[i : i + 8]) for i in range(0, 64, 8)]  # a mini-batch each
    recorder = BatchRecorder()
    net, arrays = network(), network()
    history = net.fit(
        chunks, epochs=1, batch_size=8, lr=0.1, shuffle=False, shuffle_buffer=3,
        callbacks=[recorder], batch_callback_every=2,
    )  # fmt: skip
    assert [batch for batch, _ in recorder.calls] == [2, 4, 6, 8]  # 3 was a piece's end
    expected = arrays.fit(X, y, epochs=1, batch_size=8, lr=0.1, shuffle=False)
    assert np.array_equal(net.theta, arrays.theta) and history.cost == expected.cost


@pytest.mark.parametrize("stop_at", [2, 3])
def test_a_stop_in_on_batch_end_ends_the_epoch_after_that_mini_batch(stop_at):
    X, y = data(n=60)
    recorder = Recorder()
    stopper = BatchRecorder(stop_at=stop_at)
    net = network()
    options = {"batch_size": 8, "shuffle": False}
    history = net.fit(
        X, y, epochs=3, optimizer=fcnn.Adam(0.01), callbacks=[recorder, stopper],
        batch_callback_every=1, validation_data=(X, y), **options,
    )  # fmt: skip
    assert history.epochs == 1 and history.stopped_epoch == 1
    # an epoch over the rows of those mini-batches alone
    rows = 8 * stop_at
    part = network()
    expected = part.fit(X[:rows], y[:rows], epochs=1, optimizer=fcnn.Adam(0.01), **options)
    assert np.array_equal(net.theta, part.theta) and net.optimizer.t == part.optimizer.t == stop_at
    assert history.cost == expected.cost and np.isnan(history.accuracy[0])
    assert history.val_cost == [net.evaluate(X, y)["cost"]]
    assert [call[0] for call in recorder.calls] == [
        "train_begin", "epoch_begin", "epoch_end", "train_end"
    ]  # fmt: skip
    # the stop after an epoch's last mini-batch ends a whole epoch
    whole = network().fit(X, y, epochs=3, lr=0.1, callbacks=[BatchRecorder(stop_at=8)],
                          batch_callback_every=4, **options)  # fmt: skip
    assert whole.epochs == 1 and whole.stopped_epoch == 1 and not np.isnan(whole.accuracy[0])


def test_a_new_learning_rate_in_on_batch_end_holds_from_the_next_mini_batch():
    X, y = data(n=64)
    net = network()
    options = {"batch_size": 8, "shuffle": False}
    net.fit(X, y, lr=0.1, callbacks=[BatchRecorder(lr_at=2, lr=0.5)], batch_callback_every=2,
            **options)  # fmt: skip
    two = network()
    two.fit(X[:16], y[:16], lr=0.1, **options)
    two.fit(X[16:], y[16:], lr=0.5, **options)
    assert np.array_equal(net.theta, two.theta)
    assert net.optimizer.lr == 0.5
    # a per-step schedule's rates for the mini-batches to come follow the new base rate
    schedule = fcnn.schedules.CosineAnnealing(8, per_step=True)
    recorder = BatchRecorder(lr_at=2, lr=0.5)
    network().fit(X, y, lr=0.1, lr_schedule=schedule, callbacks=[recorder],
                  batch_callback_every=1, **options)  # fmt: skip
    rates = [logs["lr"] for _, logs in recorder.calls]
    assert rates[:2] == list(schedule.lrs(0, 2, 0.1)) and rates[2:] == list(schedule.lrs(2, 6, 0.5))


def test_a_callback_that_raises_in_on_batch_end_undoes_its_epoch():
    class Fail(Callback):
        calls = 0

        def on_batch_end(self, net, batch, logs):
            self.calls += 1
            if self.calls == 11:  # the third mini-batch of the second epoch
                raise RuntimeError("callback failed")

    X, y = data()
    net, one = network(), network()
    with pytest.raises(RuntimeError, match="callback failed"):
        adam_fit(net, X, y, 3, callbacks=[Fail()], batch_callback_every=1)
    adam_fit(one, X, y, 1)
    assert np.array_equal(net.theta, one.theta) and net.optimizer.t == one.optimizer.t


@pytest.mark.parametrize(
    "every, optimizer, error, match",
    [
        (0, None, ValueError, "batch_callback_every"),
        ("2", None, TypeError, "batch_callback_every"),
        (2, fcnn.LBFGS(), ValueError, "fcnn.LBFGS takes no batch_callback_every"),
    ],
)
def test_bad_batch_callback_every_is_refused_before_training(every, optimizer, error, match):
    X, y = data()
    net = network()
    before = net.theta.copy()
    with pytest.raises(error, match=match):
        net.fit(X, y, epochs=2, optimizer=optimizer, batch_callback_every=every)
    assert np.array_equal(net.theta, before)
