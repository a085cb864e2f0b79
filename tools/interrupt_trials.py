"""Ctrl-C at random moments of long fits: how soon each stops, and what it leaves.

usage: python tools/interrupt_trials.py [--trials 50] [--seconds 60] [--seed 0]

Each trial starts a fit (epochs of about a second of a [100, 256, 256, 10] network, Adam,
on random data, more of them than `seconds` take) on the main thread, verbose off and on in
turn, and interrupts it from another thread at a moment drawn uniformly from the first
`seconds`,
alternately with ``_thread.interrupt_main()`` and ``signal.raise_signal(SIGINT)``. A
custom schedule copies the network's parameters, Adam's moments, its step count and the
shuffling generator's state at the start of every epoch. A trial passes when the
KeyboardInterrupt arrives within 0.2 s of the signal and the network then equals, bit for
bit, its copy from the start of the interrupted epoch. Prints one line per trial and a
summary; exits 1 if any trial failed.
"""

import _thread
import argparse
import signal
import sys
import threading
import time

import numpy as np

import fcnn
from fcnn.schedules import Schedule

LIMIT = 0.2  # seconds from the signal to the KeyboardInterrupt


class Recorder(Schedule):
    """A constant learning rate that copies the network's state as each epoch starts."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.starts = []

    def lr(self, epoch, base_lr):
        optimizer = self.net.optimizer
        self.starts.append(
            (
                self.net.theta.copy(),
                [state.copy() for state in optimizer.states],
                optimizer.t,
                self.net.internals.rng.bit_generator.state,
            )
        )
        return base_lr


def state_of(net):
    return (
        net.theta.copy(),
        [state.copy() for state in net.optimizer.states],
        net.optimizer.t,
        net.internals.rng.bit_generator.state,
    )


def same(a, b):
    return (
        np.array_equal(a[0], b[0])
        and len(a[1]) == len(b[1])
        and all(np.array_equal(x, y) for x, y in zip(a[1], b[1]))
        and a[2] == b[2]
        and a[3] == b[3]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    # A shell starts background jobs with SIGINT ignored, and Python then installs no
    # handler: give SIGINT Python's own, as an interactive session has it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    rng = np.random.default_rng(args.seed)
    X = rng.normal(size=(20000, 100))
    y = rng.integers(0, 10, size=20000)

    def fresh():
        return fcnn.Network(
            [100, 256, 256, 10], ["relu", "relu", "softmax"], "log_likelihood", seed=1
        )

    epochs = 10_000  # the interrupt comes first
    failures, delays = 0, []
    for trial in range(args.trials * 2):
        verbose = trial % 2 == 1
        how = ("interrupt_main", "raise_signal")[(trial // 2) % 2]
        moment = float(rng.uniform(0, args.seconds))
        net = fresh()
        recorder = Recorder(net)
        sent = {}

        def interrupt(moment=moment, how=how, sent=sent):
            time.sleep(moment)
            sent["at"] = time.perf_counter()
            if how == "interrupt_main":
                _thread.interrupt_main()
            else:
                signal.raise_signal(signal.SIGINT)

        sender = threading.Thread(target=interrupt)
        caught = None
        sender.start()
        try:
            net.fit(
                X,
                y,
                epochs=epochs,
                optimizer=fcnn.optimizers.Adam(1e-3),
                lr_schedule=recorder,
                verbose=verbose,
            )
        except KeyboardInterrupt as error:
            caught = time.perf_counter()
            history = error.history
        sender.join()
        if caught is None:
            print(f"trial {trial + 1}: the fit ended without an interrupt")
            failures += 1
            continue
        delay = caught - sent["at"]
        delays.append(delay)
        epoch = history.epochs  # the interrupted epoch's 0-based index
        consistent = epoch < len(recorder.starts) and same(state_of(net), recorder.starts[epoch])
        ok = delay <= LIMIT and consistent
        failures += not ok
        print(
            f"trial {trial + 1:3d} verbose={verbose!s:5} {how:14} at {moment:6.2f} s: "
            f"stopped after {1000 * delay:6.1f} ms in epoch {epoch + 1}, state "
            f"{'equal to' if consistent else 'DIFFERENT FROM'} that epoch's start"
            f"{'' if ok else '  FAILED'}",
            flush=True,
        )
    print(
        f"{args.trials * 2 - failures} of {args.trials * 2} trials passed; delays: median "
        f"{1000 * np.median(delays):.1f} ms, max {1000 * max(delays):.1f} ms",
        flush=True,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
