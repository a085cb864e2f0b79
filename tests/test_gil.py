"""The core releases the GIL: another Python thread runs while fit and predict compute."""

import sys
import threading
import time

import numpy as np
import pytest

import fcnn


def progress_of_other_thread_during(call):
    """How many bursts of Python work another thread completes while `call` runs.

    The switch interval is made far longer than the call, so the interpreter never takes
    the GIL away from the calling thread: the other thread runs only where the call
    releases the GIL itself.
    """
    bursts = 0
    done = threading.Event()
    started = threading.Event()

    def spin():
        nonlocal bursts
        started.set()
        while not done.is_set():
            sum(range(200))
            bursts += 1
            time.sleep(0)  # hand the GIL back at once if the caller wants it

    old_interval = sys.getswitchinterval()
    thread = threading.Thread(target=spin)
    thread.start()
    started.wait()
    sys.setswitchinterval(100.0)
    # a hand-over the other thread asked for under the old interval may still be
    # pending: let it happen now, before the measurement
    time.sleep(0.01)
    try:
        before = bursts
        call()
        progress = bursts - before
    finally:
        sys.setswitchinterval(old_interval)
        done.set()
        thread.join()
    return progress


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.random((20000, 784)), rng.integers(10, size=20000)


def test_fit_releases_the_gil(data):
    X, y = data
    net = fcnn.Network([784, 64, 10], seed=0)
    assert (
        progress_of_other_thread_during(lambda: net.fit(X, y, epochs=1, batch_size=10, lr=0.1))
        > 100
    )


def test_predict_releases_the_gil(data):
    X, _ = data
    net = fcnn.Network([784, 256, 10], seed=0)
    assert progress_of_other_thread_during(lambda: net.predict(X)) > 100


def test_a_python_loop_holding_the_gil_gives_no_progress():
    """The measure can fail: pure Python work under the long switch interval starves the
    other thread."""

    def hold():
        deadline = time.perf_counter() + 0.2
        while time.perf_counter() < deadline:
            pass

    assert progress_of_other_thread_during(hold) == 0
