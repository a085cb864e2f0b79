"""Resuming: a network fitted for k epochs, saved, loaded in a fresh object and fitted
for N - k more with ``resume=True`` ends as the fit of N epochs, bit for bit, whatever
state the fit carries (optimizer states and step count, schedule position, EMA and SWA
averages, the generator that draws the shuffling and the dropout masks)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fcnn
from fcnn.callbacks import Checkpoint
from fcnn.schedules import CosineAnnealing, OneCycle, ReduceOnPlateau, StepDecay

EPOCHS, SAVED_AT, BATCH = 5, 2, 8
ROWS = 60
STEPS = EPOCHS * -(-ROWS // BATCH)

OPTIMIZERS = {
    "sgd": lambda: fcnn.SGD(0.1),
    "momentum": lambda: fcnn.SGD(0.1, momentum=0.9),
    "sutskever_nesterov": lambda: fcnn.SGD(0.1, momentum=0.9, nesterov=True, form="sutskever"),
    "adam": lambda: fcnn.Adam(0.01),
    "adam_eps_hat": lambda: fcnn.Adam(0.01, form="eps_hat"),
    "adamw": lambda: fcnn.AdamW(0.01),
    "adamw_eps_hat": lambda: fcnn.AdamW(0.01, form="eps_hat"),
    "rmsprop": lambda: fcnn.RMSProp(0.01),
    "adagrad": lambda: fcnn.AdaGrad(0.05),
    "rprop": lambda: fcnn.Rprop(0.01),
}
SCHEDULES = {
    "constant": lambda: None,
    "per_epoch": lambda: CosineAnnealing(T_max=3, eta_min=0.001),
    "per_step": lambda: OneCycle(total_steps=STEPS),
}
AVERAGES = {"none": {}, "ema": {"ema_decay": 0.9}, "swa": {"swa_start": 2}}
DROPOUTS = {"dropout": {"dropout": 0.2}, "input_dropout": {"input_dropout": 0.1}}


def data(n=ROWS, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.intp) + (X[:, 2] > 1)
    return X, y


def network():
    return fcnn.Network([4, 5, 3], ["tanh", "softmax"], "log_likelihood", seed=3)


def assert_same_state(a, b):
    """Everything a network saves: parameters, generator, optimizer config (its step
    count) and states, averages, position."""
    (header_a, arrays_a), (header_b, arrays_b) = a.state(), b.state()
    assert header_a == header_b
    assert arrays_a.keys() == arrays_b.keys()
    for name in arrays_a:
        np.testing.assert_array_equal(arrays_a[name], arrays_b[name], err_msg=name)


def fit(net, X, y, epochs, schedule, options, **more):
    return net.fit(
        X, y, epochs=epochs, batch_size=BATCH, lr_schedule=SCHEDULES[schedule](), **options, **more
    )


@pytest.mark.parametrize("dropout", DROPOUTS)
@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_saved_fit_resumed_ends_as_the_straight_one(
    tmp_path, optimizer, schedule, average, dropout
):
    X, y = data()
    options = {**AVERAGES[average], **DROPOUTS[dropout]}
    straight = network()
    fit(straight, X, y, EPOCHS, schedule, options, optimizer=OPTIMIZERS[optimizer]())
    first = network()
    fit(first, X, y, SAVED_AT, schedule, options, optimizer=OPTIMIZERS[optimizer]())
    first.save(tmp_path / "net.fcnn")
    resumed = fcnn.load(tmp_path / "net.fcnn")
    assert resumed.position == (SAVED_AT, SAVED_AT * STEPS // EPOCHS)
    fit(resumed, X, y, EPOCHS - SAVED_AT, schedule, options, resume=True)
    assert_same_state(resumed, straight)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("optimizer", ["momentum", "adam", "rprop"])
def test_a_checkpoint_resumed_ends_as_the_straight_fit(tmp_path, optimizer, schedule):
    X, y = data()
    options = {"ema_decay": 0.95, "swa_start": 3, "dropout": 0.1, "input_dropout": 0.1}
    straight = network()
    fit(straight, X, y, EPOCHS, schedule, options, optimizer=OPTIMIZERS[optimizer]())
    pattern = str(tmp_path / "net-{epoch}.fcnn")
    first = network()
    fit(
        first,
        X,
        y,
        EPOCHS,
        schedule,
        options,
        optimizer=OPTIMIZERS[optimizer](),
        callbacks=[Checkpoint(pattern)],
    )
    for epoch in range(1, EPOCHS):
        resumed = fcnn.load(pattern.format(epoch=epoch))
        fit(resumed, X, y, EPOCHS - epoch, schedule, options, resume=True)
        assert_same_state(resumed, straight)


def test_partial_fits_go_on_with_the_run_across_a_save(tmp_path):
    X, y = data()
    options = {"batch_size": BATCH, "ema_decay": 0.9, "swa_start": 2, "dropout": 0.2}
    straight = network()
    straight.fit(
        X, y, epochs=4, optimizer=fcnn.Adam(0.01), lr_schedule=StepDecay(1, 0.5), **options
    )
    online = network()
    online.partial_fit(X, y, optimizer=fcnn.Adam(0.01), lr_schedule=StepDecay(1, 0.5), **options)
    for _ in range(3):
        online.save(tmp_path / "net.fcnn")
        online = fcnn.load(tmp_path / "net.fcnn")
        online.partial_fit(X, y, lr_schedule=StepDecay(1, 0.5), **options)
    assert_same_state(online, straight)


def test_a_fit_without_resume_begins_a_new_run():
    X, y = data()
    net = network()
    net.fit(X, y, epochs=2, batch_size=BATCH, lr=0.1)
    assert net.position == (2, 16)
    history = net.fit(X, y, epochs=1, batch_size=BATCH, lr_schedule=StepDecay(1, 0.5))
    assert net.position == (1, 8) and history.lr == [0.1]  # the schedule's epoch 0
    history = net.fit(X, y, epochs=1, batch_size=BATCH, lr_schedule=StepDecay(1, 0.5), resume=True)
    assert net.position == (2, 16) and history.lr == [0.05]


def test_resume_takes_the_networks_optimizer():
    X, y = data()
    net = network()
    net.fit(X, y, epochs=1, lr=0.1)
    for given in ({"lr": 0.1}, {"optimizer": fcnn.SGD(0.1)}):
        with pytest.raises(ValueError, match="give neither lr nor optimizer"):
            net.fit(X, y, resume=True, **given)
    assert net.position == (1, 2)


def test_a_step_leaves_the_position():
    X, y = data()
    net = network()
    net.fit(X, y, epochs=1, lr=0.1)
    net.step(X, y, lr=0.1)
    assert net.position == (1, 2)


def test_lbfgs_iterations_count_as_epochs_of_one_step():
    X, y = data()
    net = network()
    history = net.fit(X, y, optimizer=fcnn.LBFGS(max_iter=3))
    assert net.position == (history.epochs, history.epochs)


def test_the_position_is_in_the_file_only_once_the_network_has_trained(tmp_path):
    X, y = data()
    net = network()
    assert "position" not in net.state()[0]  # as files of older fcnn versions
    net.fit(X, y, epochs=1, lr=0.1)
    assert net.state()[0]["position"] == {"epochs": 1, "steps": 2}
    header, arrays = net.state()
    del header["position"]  # a file of an older version: a new run
    assert fcnn.Network.from_state(header, arrays).position == (0, 0)


@pytest.mark.parametrize(
    "position",
    [[1, 2], {"epochs": 1}, {"epochs": -1, "steps": 0}, {"epochs": 1, "steps": 2.5}, None],
)
def test_a_bad_position_is_refused(position):
    header, arrays = network().state()
    header["position"] = position
    with pytest.raises((TypeError, ValueError), match="position"):
        fcnn.Network.from_state(header, arrays)


def test_reduce_on_plateau_goes_on_with_its_own_object():
    """Its record (multiplier, best) lives in the schedule object: the same object goes on
    with it; a new one (after a load in another process) watches anew."""
    X, y = data()
    options = {"batch_size": BATCH, "validation_data": (X, y)}
    make = lambda: ReduceOnPlateau(factor=0.5, patience=0)  # noqa: E731
    straight = network()
    straight.fit(X, y, epochs=4, lr=0.5, lr_schedule=make(), **options)
    net, schedule = network(), make()
    net.fit(X, y, epochs=2, lr=0.5, lr_schedule=schedule, **options)
    net.fit(X, y, epochs=2, lr_schedule=schedule, resume=True, **options)
    assert_same_state(net, straight)


def test_a_killed_run_with_a_schedule_ema_and_rprop_resumes_bit_for_bit(tmp_path):
    X, y = data()
    np.savez(tmp_path / "data.npz", X=X, y=y)
    script = textwrap.dedent(
        f"""
        import os
        import numpy as np
        import fcnn
        from fcnn.callbacks import Callback, Checkpoint
        from fcnn.schedules import OneCycle

        class Kill(Callback):
            def on_epoch_end(self, net, epoch, logs):
                if epoch == 3:
                    os._exit(0)

        arrays = np.load({str(tmp_path / "data.npz")!r})
        net = fcnn.Network([4, 5, 3], ["tanh", "softmax"], "log_likelihood", seed=3)
        net.fit(arrays["X"], arrays["y"], epochs={EPOCHS}, batch_size={BATCH},
                optimizer=fcnn.Rprop(0.01), lr_schedule=OneCycle(total_steps={STEPS}),
                ema_decay=0.9, swa_start=2, dropout=0.2,
                callbacks=[Checkpoint({str(tmp_path / "last.fcnn")!r}), Kill()])
        raise SystemExit("not killed")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    options = {"batch_size": BATCH, "ema_decay": 0.9, "swa_start": 2, "dropout": 0.2}
    resumed = fcnn.load(tmp_path / "last.fcnn")
    assert resumed.position.epochs == 3
    resumed.fit(
        X, y, epochs=EPOCHS - 3, lr_schedule=OneCycle(total_steps=STEPS), resume=True, **options
    )
    straight = network()
    straight.fit(
        X,
        y,
        epochs=EPOCHS,
        optimizer=fcnn.Rprop(0.01),
        lr_schedule=OneCycle(total_steps=STEPS),
        **options,
    )
    assert_same_state(resumed, straight)


def test_callbacks_count_the_runs_epochs_and_the_history_its_own():
    X, y = data()
    seen = []

    class StopAtFour(fcnn.callbacks.Callback):
        def on_epoch_end(self, net, epoch, logs):
            seen.append(epoch)
            net.stop_training = epoch == 4

    net = network()
    net.fit(X, y, epochs=2, batch_size=BATCH, lr=0.1)
    history = net.fit(X, y, epochs=5, batch_size=BATCH, resume=True, callbacks=[StopAtFour()])
    assert seen == [3, 4] and history.epochs == 2 and history.stopped_epoch == 2
    history = net.fit(
        X,
        y,
        epochs=3,
        batch_size=BATCH,
        resume=True,
        early_stopping=True,
        monitor="cost",
        patience=5,
    )
    assert history.best_epoch == 1 + history.cost.index(min(history.cost))
