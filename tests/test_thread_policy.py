"""fcnn's thread policy: one BLAS thread for a fit or predict too small to gain from two,
unless the user chose the count; the count put back afterwards, whatever happens."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import fcnn

STARTUP = fcnn.threads.current()
needs_threads = pytest.mark.skipif(
    STARTUP is None or STARTUP < 2,
    reason="the core's BLAS count is not readable, or is 1 already",
)


@pytest.fixture(autouse=True)
def no_variables(monkeypatch):
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)


class Counts(fcnn.callbacks.Callback):
    """The core's BLAS count at each epoch's end, and what to do then."""

    def __init__(self, then=None):
        self.seen, self.then = [], then

    def on_epoch_end(self, net, epoch, logs):
        self.seen.append(fcnn.threads.current())
        if self.then:
            self.then()


def small_fit(callback=None, **options):
    X = np.random.default_rng(0).random((256, 784))
    y = np.arange(256) % 10
    net = fcnn.Network([784, 100, 10], seed=0)
    net.fit(X, y, epochs=2, batch_size=32, callbacks=[callback] if callback else None, **options)
    return net


@pytest.mark.parametrize(
    "sizes, rows, one",
    [
        ([784, 30, 10], 10, True),
        ([784, 100, 10], 32, True),
        ([784, 100, 10], 101, True),  # predict's chunk of this network
        ([2, 3, 2], 4, True),
        ([784, 512, 512, 10], 128, False),
        ([784, 512, 512, 10], 512, False),
        ([784, 1024, 1024, 1024, 10], 256, False),
    ],
)
def test_the_decision_follows_the_largest_product(sizes, rows, one):
    assert fcnn.threads.chooses_one_thread(sizes, rows) is one
    largest = rows * max(a * b for a, b in zip(sizes, sizes[1:]))
    assert (largest < fcnn.threads.ONE_THREAD_BELOW) is one


@needs_threads
def test_a_small_fit_runs_on_one_thread_and_puts_the_count_back():
    counts = Counts()
    small_fit(counts)
    assert counts.seen == [1, 1]
    assert fcnn.threads.current() == STARTUP


@needs_threads
def test_a_large_fit_keeps_the_count():
    counts = Counts()
    X = np.random.default_rng(0).random((128, 784)).astype(np.float32)
    net = fcnn.Network([784, 512, 512, 10], "relu", dtype="float32", seed=0)
    net.fit(X, np.arange(128) % 10, epochs=1, batch_size=128, callbacks=[counts])
    assert counts.seen == [STARTUP]


@needs_threads
def test_the_count_does_not_follow_the_machines_load():
    """Busy processes on every core change no count, so no bit of a seeded fit (the
    count changes the last bits of the products)."""

    def counts_seen():
        small, large = Counts(), Counts()
        small_fit(small)
        X = np.random.default_rng(0).random((128, 784)).astype(np.float32)
        net = fcnn.Network([784, 512, 512, 10], "relu", dtype="float32", seed=0)
        net.fit(X, np.arange(128) % 10, epochs=1, batch_size=128, callbacks=[large])
        return small.seen, large.seen, net.theta

    quiet = counts_seen()
    spin = "print('spinning', flush=True)\nwhile True: pass"
    busy = [
        subprocess.Popen([sys.executable, "-c", spin], stdout=subprocess.PIPE, text=True)
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        assert all(process.stdout.readline() == "spinning\n" for process in busy)
        loaded = counts_seen()
    finally:
        for process in busy:
            process.kill()
            process.wait()
            process.stdout.close()
    assert quiet[:2] == loaded[:2] == ([1, 1], [STARTUP])
    assert np.array_equal(quiet[2], loaded[2])


@needs_threads
def test_the_result_is_the_one_thread_result():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    policy = small_fit()
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        one = small_fit()
    assert np.array_equal(policy.theta, one.theta)
    X = np.random.default_rng(1).random((1000, 784))
    by_policy = policy.predict(X)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        assert np.array_equal(by_policy, policy.predict(X))


@needs_threads
@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_the_count_comes_back_after_an_exception(error):
    def fail():
        raise error("stop")

    with pytest.raises(error):
        small_fit(Counts(fail))
    assert fcnn.threads.current() == STARTUP


@needs_threads
def test_the_count_comes_back_after_a_failed_predict():
    net = fcnn.Network([784, 100, 10], "relu", "quadratic", seed=0)
    X = np.full((200, 784), 1e300)
    net.theta[:] = 1e300
    with pytest.raises(FloatingPointError):
        net.predict(X)
    assert fcnn.threads.current() == STARTUP


@needs_threads
def test_two_fits_at_once_leave_the_count_as_before():
    both_inside = threading.Barrier(2, timeout=60)
    counts = [Counts(both_inside.wait) for _ in range(2)]
    nets = []
    threads = [threading.Thread(target=lambda c=c: nets.append(small_fit(c))) for c in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(nets) == 2
    assert counts[0].seen == counts[1].seen == [1, 1]
    assert fcnn.threads.current() == STARTUP
    assert np.array_equal(nets[0].theta, nets[1].theta)


@needs_threads
def test_a_limit_wins():
    pytest.importorskip("threadpoolctl")
    counts = Counts()
    with fcnn.threads.limit(STARTUP):
        small_fit(counts)
        assert fcnn.threads.current() == STARTUP
    assert counts.seen == [STARTUP, STARTUP]
    assert fcnn.threads.current() == STARTUP


@needs_threads
def test_a_limit_made_while_a_fit_runs_on_one_thread_wins_and_ends_cleanly():
    pytest.importorskip("threadpoolctl")
    seen = []

    def limit_meanwhile():
        with fcnn.threads.limit(STARTUP):
            seen.append(fcnn.threads.current())
        seen.append(fcnn.threads.current())

    small_fit(Counts(limit_meanwhile))
    assert seen == [STARTUP, 1] * 2
    assert fcnn.threads.current() == STARTUP


@needs_threads
def test_a_count_changed_elsewhere_wins():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    counts = Counts()
    with threadpoolctl.threadpool_limits(STARTUP + 1, user_api="blas"):
        small_fit(counts)
    assert counts.seen == [STARTUP + 1] * 2


@needs_threads
def test_a_variable_in_the_environment_wins(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    counts = Counts()
    small_fit(counts)
    assert counts.seen == [STARTUP] * 2


@needs_threads
def test_a_variable_set_before_python_starts_wins():
    code = (
        "import numpy as np, fcnn\n"
        "net = fcnn.Network([784, 100, 10], seed=0)\n"
        "seen = []\n"
        "class C(fcnn.callbacks.Callback):\n"
        "    def on_epoch_end(self, net, epoch, logs):\n"
        "        seen.append(fcnn.threads.current())\n"
        "net.fit(np.zeros((64, 784)), np.zeros(64, int), batch_size=32, callbacks=[C()])\n"
        "print(seen[0], fcnn.threads.current())\n"
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["2", "2"]


@needs_threads
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")  # OpenBLAS's threads
def test_a_child_forked_during_a_fit_starts_from_the_count_before():
    read, write = os.pipe()

    def fork_meanwhile():
        pid = os.fork()
        if pid == 0:
            os.write(write, str(fcnn.threads.current()).encode())
            os._exit(0)
        os.waitpid(pid, 0)

    small_fit(Counts(fork_meanwhile))
    assert os.read(read, 16).decode() == f"{STARTUP}{STARTUP}"


def test_without_a_blas_it_can_set_the_policy_does_nothing(monkeypatch):
    monkeypatch.setattr(fcnn.threads, "_CORE_BLAS", None)
    assert fcnn.threads.current() is None
    with fcnn.threads.policy([784, 100, 10], 32) as count:
        assert count is None
    counts = Counts()
    small_fit(counts)
    assert counts.seen == [None, None]
