"""Threads use one network while the main thread swaps its whole structure.

Run as a script (tests/test_thread_safety.py runs it in a child process, so that a crash
is a failed test, not a dead test run): ``python _structure_swap_stress.py ROUNDS MODE``.
The main thread alternates `Network.__setstate__` between a [64, 2048, 2048, 10]
network's state and a [64, 2, 3] network's, ROUNDS times, while in MODE "predict" (the
reproduction of the crash) three threads predict, and in MODE "all" three threads
predict (batches and single samples), trace, back-propagate and take its state, and a
fourth fits it (at a learning rate too small to matter here). Every result must
come from one of the two networks, whole: outputs of the shape and values of one of them.
"""

import sys
import threading

import numpy as np

import fcnn

rounds, mode = int(sys.argv[1]), sys.argv[2]
big = fcnn.Network([64, 2048, 2048, 10], seed=0)
small = fcnn.Network([64, 2, 3], "sigmoid", seed=1)
states = [big.__getstate__(), small.__getstate__()]
X = np.random.default_rng(0).normal(size=(40, 64))
expected = {10: big.predict(X), 3: small.predict(X)}
net = fcnn.Network([64, 2048, 2048, 10], seed=0)
stop = threading.Event()
failures = []


def check(out, rows):
    width = out.shape[-1]
    if width not in expected or not np.allclose(out, expected[width][rows], rtol=1e-9, atol=0):
        failures.append(f"an output of shape {out.shape} from neither network")


def use(kind):
    while not stop.is_set():
        if kind == "predict":
            check(net.predict(X), slice(None))
            check(net.predict(X[3]), 3)
        elif kind == "trace":
            check(net.trace(X[:5]).a[-1], slice(0, 5))
        else:
            grads = net.gradients(X[:8], np.zeros((8, net.sizes[-1])))  # sizes may be stale:
            if grads.flat.size not in (big.theta.size, small.theta.size):  # then it raises
                failures.append("gradients of neither network")
            net.state()


def fit():
    labels = np.zeros(X.shape[0], dtype=int)
    while not stop.is_set():
        net.fit(X, labels, epochs=1, batch_size=20, lr=1e-15)


def guarded(target):
    def run(*args):
        try:
            target(*args)
        except ValueError:  # data of the other network's width: refused, never misread
            run(*args)

    return run


kinds = ("predict",) * 3 if mode == "predict" else ("predict", "trace", "gradients")
threads = [threading.Thread(target=guarded(use), args=(kind,)) for kind in kinds]
if mode == "all":
    threads.append(threading.Thread(target=guarded(fit)))
for thread in threads:
    thread.start()
for k in range(rounds):
    net.__setstate__(states[k % 2])
stop.set()
for thread in threads:
    thread.join()
print("\n".join(sorted(set(failures))) or f"{rounds} rounds")
sys.exit(1 if failures else 0)
