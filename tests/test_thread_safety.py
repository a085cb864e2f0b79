"""Threads: predictions from many threads at once on one network equal the serial ones;
networks trained at once equal networks trained one after another; a fit holds the
network's lock, so a second fit (or a state() read) waits for it and never sees
parameters between two updates; swapping a network's whole structure (`__setstate__`)
while threads use it never mixes two networks.

Bit-exactness and BLAS threads (OpenBLAS 0.3.30, 2 cores): with the same number of BLAS
threads, concurrent and sequential runs give identical bits, at 1 thread and at the
default. Between 1 and 2 BLAS threads, layers wide enough for OpenBLAS to split its GEMMs
(784-512-10, batch 128) differ by rounding (2e-16 in float64 parameters after two
epochs); small layers (30-40-10) do not.
"""

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fcnn
from fcnn.schedules import Schedule

threadpoolctl = pytest.importorskip("threadpoolctl")

WAIT = 20  # seconds before a test gives up on a thread, instead of hanging


def blas_threads(setting):
    """threads.limit(1), or the BLAS default (a no-op context)."""
    return fcnn.threads.limit(1) if setting == "1 thread" else threadpoolctl.threadpool_limits(None)


@pytest.mark.parametrize("setting", ["1 thread", "default"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_predict_from_eight_threads_equals_serial(setting, dtype):
    rng = np.random.default_rng(0)
    net = fcnn.Network([20, 48, 5], ["relu", "softmax"], "log_likelihood", dtype=dtype, seed=0)
    X = rng.normal(size=(2000, 20))
    sizes = np.concatenate([[1, 700, 2, 513, 32], rng.integers(1, 701, size=995)])
    tasks = [(int(rng.integers(0, 2000 - size + 1)), int(size)) for size in sizes]

    def run(start, size):
        rows = X[start] if size == 1 else X[start : start + size]  # a 1-D single sample too
        return net.predict(rows)

    with blas_threads(setting):
        serial = [run(*task) for task in tasks]
        start = threading.Barrier(8)

        def worker(first):
            start.wait(WAIT)
            return [(k, run(*tasks[k])) for k in range(first, len(tasks), 8)]

        with ThreadPoolExecutor(8) as pool:
            results = [
                pair
                for future in [pool.submit(worker, i) for i in range(8)]
                for pair in future.result(WAIT)
            ]
    assert sorted(k for k, _ in results) == list(range(len(tasks)))
    for k, got in results:
        assert got.dtype == net.dtype and np.array_equal(got, serial[k]), tasks[k]


NETWORKS = [  # (sizes, activations, cost, dtype, fit arguments)
    ([30, 40, 10], ["relu", "softmax"], "log_likelihood", "float64", dict(lr=0.5, batch_size=16)),
    (
        [30, 24, 16, 10],
        ["tanh", "swish", "sigmoid"],
        "cross_entropy",
        "float32",
        dict(optimizer=fcnn.Adam, dropout=0.2, batch_size=8),
    ),
    (
        [30, 128, 10],
        ["prelu", "softmax"],
        "log_likelihood",
        "float64",
        dict(optimizer=lambda: fcnn.SGD(0.1, momentum=0.9, nesterov=True), l2=0.5, batch_size=64),
    ),
    (
        [30, 256, 10],
        ["leaky_relu", "sigmoid"],
        "quadratic",
        "float32",
        dict(optimizer=fcnn.RMSProp, batch_size=128, validation_split=0.2),
    ),
]


def train(k, X, y):
    sizes, layers, cost, dtype, arguments = NETWORKS[k]
    arguments = dict(arguments)
    if "optimizer" in arguments:
        arguments["optimizer"] = arguments["optimizer"]()
    net = fcnn.Network(sizes, layers, cost, dtype=dtype, seed=k)
    history = net.fit(X, y, epochs=3, seed=10 + k, **arguments)
    return net.theta.copy(), history.cost


@pytest.mark.parametrize("setting", ["1 thread", "default"])
def test_four_networks_trained_at_once_equal_those_trained_in_turn(setting):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(400, 30)), rng.integers(10, size=400)
    with blas_threads(setting):
        in_turn = [train(k, X, y) for k in range(4)]
        with ThreadPoolExecutor(4) as pool:
            at_once = [f.result(WAIT) for f in [pool.submit(train, k, X, y) for k in range(4)]]
    for (theta, cost), (theta_again, cost_again) in zip(in_turn, at_once):
        assert np.array_equal(theta, theta_again) and cost == cost_again


class Gate(Schedule):
    """A schedule that logs each epoch it starts and, at epoch `hold_at`, holds its fit
    (inside fit, with the network's lock held) until released."""

    def __init__(self, name, log, hold_at=None):
        self.name, self.log, self.hold_at = name, log, hold_at
        self.reached, self.release = threading.Event(), threading.Event()

    def lr(self, epoch, base_lr):
        self.log.append((self.name, epoch))
        if epoch == self.hold_at:
            self.reached.set()
            if not self.release.wait(WAIT):
                raise TimeoutError("the test never released the fit")
        return base_lr


def started(target):
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_a_second_fit_and_state_wait_for_the_running_fit():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(200, 8)), rng.integers(3, size=200)
    arguments = dict(batch_size=10, lr=0.3)
    log = []
    gate_a, gate_b = Gate("A", log, hold_at=1), Gate("B", log)
    net = fcnn.Network([8, 6, 3], ["tanh", "softmax"], "log_likelihood", seed=0)
    read = []
    with fcnn.threads.limit(1):
        thread_a = started(
            lambda: (
                net.fit(X, y, epochs=3, seed=1, lr_schedule=gate_a, **arguments),
                log.append(("A", "done")),
            )
        )
        try:
            assert gate_a.reached.wait(WAIT)
            thread_b = started(
                lambda: (
                    net.fit(X, y, epochs=2, seed=2, lr_schedule=gate_b, **arguments),
                    log.append(("B", "done")),
                )
            )
            thread_c = started(lambda: read.append(net.state()[1]))
            time.sleep(0.3)
            # A is held in its second epoch: B has not begun an epoch, C has no state
            assert thread_b.is_alive() and thread_c.is_alive() and read == []
            assert log == [("A", 0), ("A", 1)]
        finally:
            gate_a.release.set()
        for thread in (thread_a, thread_b, thread_c):
            thread.join(WAIT)
            assert not thread.is_alive()

        twin = fcnn.Network([8, 6, 3], ["tanh", "softmax"], "log_likelihood", seed=0)
        twin.fit(X, y, epochs=3, seed=1, **arguments)
        after_a = twin.state()[1]
        twin.fit(X, y, epochs=2, seed=2, **arguments)
        after_b = twin.state()[1]
    # B starts its first epoch only after A has returned
    assert log == [("A", 0), ("A", 1), ("A", 2), ("A", "done"), ("B", 0), ("B", 1), ("B", "done")]
    assert all(np.array_equal(net.state()[1][key], after_b[key]) for key in after_b)
    # C read the parameters between the two fits, or after both, never within one
    assert any(all(np.array_equal(read[0][key], s[key]) for key in s) for s in (after_a, after_b))


def test_state_read_during_fit_is_always_at_an_epoch_boundary():
    """state() from the fit's own thread (inside the schedule, between epochs) and from
    another thread polling all along: every read equals the parameters of the same
    network trained for a whole number of epochs."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(600, 10)), rng.integers(4, size=600)
    net = fcnn.Network([10, 12, 4], ["relu", "softmax"], "log_likelihood", seed=5)
    epochs = 4
    inside = []

    class ReadEachEpoch(Schedule):
        def lr(self, epoch, base_lr):
            inside.append(net.state()[1]["w1"])  # the lock is reentrant
            return base_lr

    polled, done = [], threading.Event()

    def poll():
        while not done.is_set():
            polled.append(net.state()[1]["w1"])

    with fcnn.threads.limit(1):
        boundaries = []
        for k in range(epochs + 1):
            twin = fcnn.Network([10, 12, 4], ["relu", "softmax"], "log_likelihood", seed=5)
            twin.fit(X, y, epochs=k, batch_size=5, lr=0.2, seed=9)
            boundaries.append(twin.weights[0].copy())
        poller = started(poll)
        try:
            time.sleep(0.01)
            net.fit(X, y, epochs=epochs, batch_size=5, lr=0.2, seed=9, lr_schedule=ReadEachEpoch())
            time.sleep(0.01)
        finally:
            done.set()
            poller.join(WAIT)
    assert len(inside) == epochs
    assert all(np.array_equal(w, boundaries[k]) for k, w in enumerate(inside))
    assert len(polled) > 2
    assert all(any(np.array_equal(w, b) for b in (boundaries[0], boundaries[-1])) for w in polled)
    assert np.array_equal(polled[-1], boundaries[-1])


def test_step_waits_for_a_running_fit():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(50, 5)), rng.integers(2, size=50)
    log = []
    gate = Gate("fit", log, hold_at=0)
    net = fcnn.Network([5, 2], "softmax", "log_likelihood", seed=0)
    fitting = started(lambda: (net.fit(X, y, epochs=1, lr_schedule=gate), log.append("fit done")))
    try:
        assert gate.reached.wait(WAIT)
        stepping = started(lambda: (net.step(X, y, 0.1), log.append("step done")))
        time.sleep(0.2)
        assert stepping.is_alive() and log == [("fit", 0)]
    finally:
        gate.release.set()
    fitting.join(WAIT)
    stepping.join(WAIT)
    assert log == [("fit", 0), "fit done", "step done"]


@pytest.mark.parametrize("mode", ["predict", "all"])
def test_setstate_while_threads_predict_train_and_save_never_mixes_two_networks(mode):
    """It crashed (a segmentation fault): predict read one network's layout and another's
    buffers. FCNN_SWAP_ROUNDS sets the rounds (the sanitizer run in CI uses the default)."""
    script = os.path.join(os.path.dirname(__file__), "_structure_swap_stress.py")
    rounds = os.environ.get("FCNN_SWAP_ROUNDS", "60")
    done = subprocess.run(
        [sys.executable, script, rounds, mode], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr[-2000:])
    assert done.stdout.strip() == f"{rounds} rounds"
