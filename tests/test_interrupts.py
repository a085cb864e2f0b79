"""Ctrl-C: honoured inside the core's long loops, and never leaving a network between
two epochs.

The interrupts here are real signals (SIGINT through ``signal.raise_signal`` or
``_thread.interrupt_main``), handled by Python's own machinery, on the main thread where
pytest runs the tests. tools/interrupt_trials.py measures how soon a fit stops.
"""

import _thread
import signal
import sys
import threading
import time

import numpy as np
import pytest

import fcnn
from fcnn._interrupts import held_interrupts
from fcnn.training import TrainingRun

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals need it"
)


@pytest.fixture(autouse=True)
def python_handles_sigint():
    """SIGINT handled by Python's own handler, as in an interactive session (a shell
    starts background jobs, CI's among them, with SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _send_sigint_after(seconds):
    sender = threading.Thread(target=lambda: (time.sleep(seconds), _thread.interrupt_main()))
    sender.start()
    return sender


def _long_data(rows):
    rng = np.random.default_rng(0)
    return rng.normal(size=(rows, 64)), rng.integers(0, 10, size=rows)


def _net():
    return fcnn.Network([64, 256, 256, 10], ["relu", "relu", "softmax"], "log_likelihood", seed=0)


@pytest.mark.parametrize("verbose", [False, True])
def test_ctrl_c_is_handled_inside_a_long_epoch_which_is_then_undone(verbose, capsys):
    """It was handled only when the epoch ended (after 84 s in the report)."""
    X, y = _long_data(40_000)  # an epoch of seconds
    net = _net()
    start = net.theta.copy()
    seen = {}

    def handler(signum, frame):
        seen["theta"] = net.theta.copy()  # as the core left it when Python got the signal
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        sender = _send_sigint_after(0.2)
        with pytest.raises(KeyboardInterrupt) as caught:
            net.fit(X, y, epochs=1, batch_size=32, lr=0.01, verbose=verbose)
        sender.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    one_epoch = _net()
    one_epoch.fit(X, y, epochs=1, batch_size=32, lr=0.01)
    # handled in the middle of the epoch: moved from its start, short of its end
    assert not np.array_equal(seen["theta"], start)
    assert not np.array_equal(seen["theta"], one_epoch.theta)
    assert caught.value.history.epochs == 0
    np.testing.assert_array_equal(net.theta, start)


def test_ctrl_c_is_handled_inside_a_long_predict():
    """It was handled only when the core had computed every row."""
    X, _ = _long_data(200_000)  # seconds of work
    net = _net()
    last_row = net.predict(X[-1:])[0]
    seen = {}

    def handler(signum, frame):
        # the output array of the interrupted Network.predict, as the core left it
        seen["last row"] = frame.f_locals["out"][-1].copy()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        sender = _send_sigint_after(0.2)
        with pytest.raises(KeyboardInterrupt):
            net.predict(X)
        sender.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not np.allclose(seen["last row"], last_row, rtol=1e-6)  # stopped before the end


def _state(net):
    optimizer = net.optimizer
    return (
        net.theta.copy(),
        [s.copy() for s in optimizer.states] if optimizer is not None else [],
        0 if optimizer is None else optimizer.t,
        net.internals.rng.bit_generator.state,
    )


def _equal(a, b):
    moments = [np.array_equal(x, y) for x, y in zip(a[1], b[1])] if a[1] and b[1] else [True]
    return np.array_equal(a[0], b[0]) and all(moments) and a[2] == b[2] and a[3] == b[3]


def _interrupting_tracer(moments):
    """A tracer that sends SIGINT at the given line events (counted from 0) of the training
    module's and the interrupt module's frames, and counts them."""
    files = {TrainingRun.run.__code__.co_filename, held_interrupts.__enter__.__code__.co_filename}
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            if count[0] in moments:
                signal.raise_signal(signal.SIGINT)
            count[0] += 1
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename in files else None

    return tracer, count


def test_an_interrupt_at_any_line_of_a_fit_leaves_the_state_of_a_finished_epoch():
    """Parameters, Adam's moments, its step count, the generator and the History always
    belong to one finished epoch, however many Ctrl-C arrive and wherever (it left
    parameters of epoch 3 with the step count of epoch 2, and a second Ctrl-C during the
    rollback left the parameters restored and Adam's moments not)."""
    X, y = fcnn.datasets.xor()
    X = np.tile(X, (8, 1))
    y = np.tile(y, 8)

    def fit(net, epochs):
        return net.fit(X, y, epochs=epochs, batch_size=8, optimizer=fcnn.optimizers.Adam(0.05))

    epochs = 3
    expected = []  # the state after e finished epochs
    for e in range(epochs + 1):
        net = fcnn.Network([2, 4, 2], ["tanh", "softmax"], "log_likelihood", seed=3)
        if e:
            fit(net, e)
        expected.append(_state(net))
    tracer, count = _interrupting_tracer(set())
    sys.settrace(tracer)
    try:
        fit(fcnn.Network([2, 4, 2], ["tanh", "softmax"], "log_likelihood", seed=3), epochs)
    finally:
        sys.settrace(None)
    lines = count[0]
    assert lines > 50
    schedules = [{k} for k in range(lines)] + [{k, k + d} for k in range(lines) for d in (1, 3, 7)]
    outcomes = set()
    for moments in schedules:
        net = fcnn.Network([2, 4, 2], ["tanh", "softmax"], "log_likelihood", seed=3)
        tracer, _ = _interrupting_tracer(moments)
        finished = epochs
        sys.settrace(tracer)
        try:
            fit(net, epochs)
        except KeyboardInterrupt as interrupt:
            history = getattr(interrupt, "history", None)
            finished = 0 if history is None else history.epochs
        finally:
            sys.settrace(None)
        assert _equal(_state(net), expected[finished]), (moments, finished)
        outcomes.add(finished)
    assert outcomes == set(range(epochs + 1))  # interrupts landed in every epoch


def test_held_interrupts_deliver_one_sigint_after_the_block():
    order = []
    with pytest.raises(KeyboardInterrupt), held_interrupts():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        order.append("block ran to its end")
    assert order == ["block ran to its end"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_held_interrupts_leave_other_threads_and_foreign_handlers_alone():
    def in_thread():
        with held_interrupts() as held:
            results.append(held.handler)

    results = []
    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    assert results == [None]
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with held_interrupts():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
