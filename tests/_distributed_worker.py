"""Data-parallel training (fcnn.distributed) checked against one process, on every rank.

tests/test_distributed.py runs it on two processes as ``mpirun -n 2 python
_distributed_worker.py mpi`` (``mpi-die``: rank 1 dies in training) and as ``python
_distributed_worker.py torch ADDRESS RANK 2`` (torch.distributed, gloo), and imports its
cases to run them on threads. Each rank prints "rank R ok" when every case passed; a
failed case is an exception (exit status 1).
"""

import itertools
import os
import sys
import threading

import numpy as np

import fcnn
from fcnn.distributed import DataParallel, PeerError

RELATIVE = 1e-12
SIZES = [4, 6, 3]
EPOCHS = 3
SEED = 5

CASES = {
    "sgd momentum": {"optimizer": lambda: fcnn.SGD(0.1, momentum=0.9), "batch_size": 8},
    "adam": {"optimizer": lambda: fcnn.Adam(0.01), "batch_size": 8},
    "adam l2": {"optimizer": lambda: fcnn.Adam(0.01), "batch_size": 8, "l2": 0.5},
    "uneven shards": {"optimizer": lambda: fcnn.Adam(0.01), "batch_size": 7},
    # 49 rows in batches of 16: the last batch is one row, so one of two ranks has none
    "last partial batch": {"optimizer": lambda: fcnn.Adam(0.01), "batch_size": 16, "n": 49},
    "sample weights": {"optimizer": lambda: fcnn.SGD(0.1), "batch_size": 8, "weighted": True},
}


def data(n):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, SIZES[0])), rng.integers(0, SIZES[-1], n), rng.uniform(0, 2, n)


def options(case):
    X, y, weights = data(case.get("n", 50))
    fit = {"batch_size": case["batch_size"], "l2": case.get("l2", 0.0)}
    if case.get("weighted"):
        fit["sample_weight"] = weights
    return X, y, fit


def single_process(case):
    """The parameters of one process training on the global batches in the same order."""
    X, y, fit = options(case)
    weights = fit.pop("sample_weight", None)
    net, optimizer = fcnn.Network(SIZES, "tanh", seed=1), case["optimizer"]()
    rng = np.random.default_rng(SEED)
    for _ in range(EPOCHS):
        order = rng.permutation(X.shape[0])
        w = None if weights is None else weights[order]
        net.fit(
            X[order], y[order], epochs=1, shuffle=False, optimizer=optimizer, sample_weight=w, **fit
        )
    return net.theta


def data_parallel(case, allreduce, rank, world_size):
    """The parameters of this rank after data-parallel training; rank 1 starts from other
    parameters, which rank 0's broadcast replaces."""
    X, y, fit = options(case)
    net = fcnn.Network(SIZES, "tanh", seed=1 + rank)
    trainer = DataParallel(net, allreduce, (rank, world_size))
    trainer.fit(X, y, epochs=EPOCHS, optimizer=case["optimizer"](), seed=SEED, **fit)
    return net.theta


def check_case(name, allreduce, rank, world_size):
    theta = data_parallel(CASES[name], allreduce, rank, world_size)
    expected = single_process(CASES[name])
    error = np.abs(theta - expected).max() / np.abs(expected).max()
    assert error < RELATIVE, f"{name}: relative difference {error:.3g} on rank {rank}"


def expect(error_type, match, action):
    try:
        action()
    except error_type as error:
        assert match in str(error), f"{error_type.__name__} without {match!r}: {error}"
        return error
    raise AssertionError(f"{error_type.__name__} not raised")


def check_faults(allreduce, rank, world_size):
    """A disagreement before training, a bad argument or bad data on rank 1 and a
    divergence raise on every rank (and the next collective still pairs up: nobody
    hangs)."""
    X, y, _ = data(20)
    net = fcnn.Network(SIZES, "linear", seed=1)  # unbounded: a huge lr diverges
    trainer = DataParallel(net, allreduce, (rank, world_size))
    expect(ValueError, "disagree on: options", lambda: trainer.fit(X, y, batch_size=4 + rank))
    match = "batch_size" if rank == 1 else "disagree on"
    expect(ValueError, match, lambda: trainer.fit(X, y, batch_size=0 if rank == 1 else 4))
    bad = X.copy()
    if rank == 1:
        bad[:] = np.nan
    raised = ValueError if rank == 1 else PeerError
    expect(raised, "" if rank == 1 else "epoch 1, mini-batch 1", lambda: trainer.fit(bad, y))
    before = net.theta.copy()
    with np.errstate(over="ignore"):  # the regularization terms' sum of squares, of inf
        expect(
            fcnn.DivergenceError, "non-finite", lambda: trainer.fit(X, y, lr=1e300, batch_size=4)
        )
    assert np.array_equal(net.theta, before), "the parameters of the epoch before are kept"
    other_sizes = fcnn.Network([4, 5 + rank, 3])
    expect(
        ValueError,
        "disagree on: network sizes",
        lambda: DataParallel(other_sizes, allreduce, (rank, world_size)),
    )


def die_in_training(allreduce, rank, world_size):
    """Rank 1 dies (os._exit, as a killed process would) in its tenth collective, the
    third mini-batch's; the others wait in theirs."""
    calls = itertools.count()

    def dying(array):
        if rank == 1 and next(calls) == 9:
            os._exit(3)
        allreduce(array)

    X, y, _ = data(50)
    trainer = DataParallel(fcnn.Network(SIZES, seed=1), dying, (rank, world_size))
    trainer.fit(X, y, epochs=3, batch_size=8, optimizer=fcnn.Adam(0.01), seed=SEED)


def check_all(allreduce, rank, world_size):
    for name in CASES:
        check_case(name, allreduce, rank, world_size)
    check_faults(allreduce, rank, world_size)


class ThreadWorld:
    """`world_size` threads summing arrays in rank order: an allreduce for tests."""

    def __init__(self, world_size):
        self.world_size = world_size
        self.barrier = threading.Barrier(world_size)
        self.arrays = [None] * world_size

    def allreduce_of(self, rank):
        def allreduce(array):
            self.arrays[rank] = array.copy()
            self.barrier.wait()
            total = self.arrays[0].copy()
            for other in self.arrays[1:]:
                total += other
            self.barrier.wait()
            array[...] = total

        return allreduce

    def run(self, function):
        """function(allreduce, rank, world_size) on every rank: their results, or raise
        the first rank's exception."""
        results = [None] * self.world_size

        def target(rank):
            try:
                results[rank] = function(self.allreduce_of(rank), rank, self.world_size)
            except BaseException as error:
                results[rank] = error
                self.barrier.abort()

        threads = [threading.Thread(target=target, args=(r,)) for r in range(self.world_size)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        errors = [r for r in results if isinstance(r, BaseException)]
        for error in sorted(errors, key=lambda e: isinstance(e, threading.BrokenBarrierError)):
            raise error  # the first rank's own, not another's broken barrier
        return results


def main(argv):
    if argv[0].startswith("mpi"):
        from mpi4py import MPI

        from fcnn.distributed import mpi_allreduce

        comm = MPI.COMM_WORLD
        rank, world_size, allreduce = comm.rank, comm.size, mpi_allreduce(comm)
    else:
        import torch.distributed as dist

        from fcnn.distributed import torch_allreduce

        address, rank, world_size = argv[1], int(argv[2]), int(argv[3])
        dist.init_process_group("gloo", init_method=address, rank=rank, world_size=world_size)
        allreduce = torch_allreduce()
    (die_in_training if argv[0] == "mpi-die" else check_all)(allreduce, rank, world_size)
    print(f"rank {rank} ok", flush=True)
    if argv[0] == "torch":
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1:])
