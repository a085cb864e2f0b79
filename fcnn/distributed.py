"""Synchronous data-parallel training over any allreduce (MPI, torch.distributed, ...).

Every process (rank) holds the same training data and a network built the same way.
`DataParallel.fit` draws the same batch order on every rank, back-propagates the rank's
contiguous part of each global mini-batch, sums the gradient, the cost and the row and
weight counts over the ranks with one call of the user's ``allreduce`` per mini-batch,
and applies the same update everywhere (`fcnn.optimizers.Optimizer.apply`), so that the
ranks keep identical parameters: the result is that of one process training on the global
mini-batches, to rounding.

fcnn depends on no communication engine: an ``allreduce`` is any function that sums a
numpy array in place across the ranks. `mpi_allreduce` (mpi4py, the extra ``fcnn[mpi]``)
and `torch_allreduce` (torch.distributed) make one.
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import optimizers as _optimizers
from . import schedules as _schedules
from ._validation import (
    as_sample_weight,
    check_int,
    check_seed,
    first_non_finite,
    mean_one_weights,
)
from .history import History
from .training import (
    DivergenceError,
    Position,
    ScheduleName,
    call_callbacks,
    check_validation_data,
    checked_callbacks,
    validation_metric_names,
)

__all__ = ["DataParallel", "PeerError", "mpi_allreduce", "torch_allreduce"]

Allreduce = Callable[[NDArray[Any]], Any]
"""Sums a numpy array (float64 or the network's dtype) in place over all ranks."""

# The per-step buffer's tail after the gradient: sums over the ranks of these.
_COST, _ROWS, _WEIGHT, _FAILED = range(4)
_TAIL = 4


class PeerError(RuntimeError):
    """Another rank failed; raised on the ranks that did not, at the same point.

    The rank that failed raises its own exception there instead (bad data, a wrong
    argument), so every rank stops at the same collective and none waits forever.

    Parameters
    ----------
    message : str
        Where and how many ranks failed.
    """


class DataParallel:
    """Train one network on many processes, each on its part of every mini-batch.

    Wraps the rank's copy of the network with the sum over the ranks: like
    ``torch.nn.parallel.DistributedDataParallel``, it owns what is distributed (the
    communicator, the rank's part), and the network stays a plain `fcnn.Network` to
    save, load and predict with. On construction the parameters of rank 0 are copied to
    every rank.

    Parameters
    ----------
    net : Network
        This rank's network: the same sizes, activations, cost and dtype on every rank.
    allreduce : callable
        ``allreduce(array)`` sums `array` in place over all ranks (every rank calls it
        with an array of the same shape and dtype, float64 or the network's). Blocking.
    shard : tuple of int
        ``(rank, world_size)``: this process's number in [0, world_size) and the number
        of processes.

    Attributes
    ----------
    net : Network
        The network trained.
    rank, world_size : int
        As given in `shard`.

    Raises
    ------
    ValueError
        On every rank, if the ranks disagree on the world size, a rank is out of range
        or used twice, or the networks differ in sizes, activations, cost or dtype.

    Notes
    -----
    A process that dies (killed, out of memory) cannot report: under ``mpirun`` the
    job is aborted, every rank ends; with torch.distributed the others fail in their
    next collective (after its timeout). Give rank 0 a `~fcnn.callbacks.Checkpoint`
    and start again from the last file: every rank loads it and trains the epochs left
    (the guide's "Distributed training and prediction" has the recipe).

    Examples
    --------
    One process is a world of one, whose allreduce does nothing:

    >>> import fcnn
    >>> from fcnn.distributed import DataParallel
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 4, 2], seed=0)
    >>> trainer = DataParallel(net, allreduce=lambda array: None, shard=(0, 1))
    >>> history = trainer.fit(X, y, epochs=2, batch_size=2, optimizer=fcnn.Adam(0.01), seed=0)
    >>> history.epochs, trainer.net is net
    (2, True)
    """

    def __init__(self, net: Any, allreduce: Allreduce, shard: tuple[int, int]) -> None:
        if not callable(allreduce):
            raise TypeError(f"allreduce must be callable, got {type(allreduce).__name__}")
        rank, world_size = (int(k) for k in shard)
        self.net, self.allreduce, self.rank, self.world_size = net, allreduce, rank, world_size
        self._check_world()
        self._check_agreement(
            {
                "network sizes": net.sizes,
                "activations": [f.name for f in net.activations],
                "cost": net.cost.name,
                "dtype": net.dtype,
            }
        )
        theta = net.internals.theta
        with net.internals.lock:
            broadcast = theta if rank == 0 else np.zeros_like(theta)
            self.allreduce(broadcast)
            theta[...] = broadcast

    def _check_world(self) -> None:
        """One collective of three numbers that any world_size or rank disagreement shows."""
        counts = np.array([1.0, self.world_size, self.rank])
        self.allreduce(counts)
        world = self.world_size
        expected = [world, world * world, world * (world - 1) / 2]
        if not 0 <= self.rank < world or counts.tolist() != expected:
            raise ValueError(
                f"the ranks disagree on the world: this is rank {self.rank} of "
                f"{self.world_size}, but {int(counts[0])} processes joined the allreduce "
                f"(each rank needs shard=(its rank, the number of processes))"
            )

    def _check_agreement(self, facts: dict[str, Any]) -> None:
        """Every rank's fingerprint of each fact, summed into one table: a ValueError on
        every rank naming the facts some rank holds differently from rank 0."""
        table = np.zeros((self.world_size, len(facts)))
        table[self.rank] = [zlib.crc32(repr(value).encode()) for value in facts.values()]
        self.allreduce(table)
        differ = [name for name, column in zip(facts, table.T) if not (column == column[0]).all()]
        if differ:
            raise ValueError(
                f"the ranks disagree on: {', '.join(differ)} (rank {self.rank} has "
                + ", ".join(f"{name}={facts[name]!r}" for name in differ)
                + ")"
            )

    def fit(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        *,
        epochs: int = 1,
        batch_size: int = 32,
        lr: float | None = None,
        optimizer: _optimizers.Optimizer | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        sample_weight: ArrayLike | None = None,
        lr_schedule: ScheduleName | _schedules.Schedule | None = None,
        validation_data: tuple[ArrayLike, ...] | None = None,
        early_stopping: bool = False,
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best: bool = True,
        shuffle: bool = True,
        seed: int | None = None,
        callbacks: Sequence[Any] | None = None,
    ) -> History:
        """Train on the global mini-batches, this rank back-propagating its part of each.

        Each epoch visits the rows in the order ``rng.permutation(n_samples)`` (rng:
        ``numpy.random.default_rng(seed)``, made once per fit; or the rows' order with
        ``shuffle=False``), cut into global mini-batches of `batch_size` rows (a last
        partial one too). Rank r back-propagates rows ``[m r // world_size, m (r + 1)
        // world_size)`` of a mini-batch of m rows (a rank can get none), and one
        allreduce per mini-batch sums the gradients, costs, row counts and weight sums;
        every rank then divides by the row count and applies the same update. The
        parameters equal those of ``net.fit`` with ``shuffle=False`` over the rows in
        that order, to rounding.

        The options mean what they mean in `Network.fit`; the arguments and data must
        be the same on every rank (X and Y may be memory-mapped files), which one
        collective check at the start makes sure of.

        Parameters
        ----------
        X : array_like, shape (n_samples, sizes[0])
            All the training inputs (each rank reads its rows of each mini-batch).
        Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,)
            Targets, or integer class labels.
        epochs : int, default 1
            Passes over the data, >= 0.
        batch_size : int, default 32
            Rows per global mini-batch (over all ranks), >= 1.
        lr : float or None, default None
            Plain SGD with this learning rate (as `Network.fit`'s `lr`).
        optimizer : Optimizer or None, default None
            The optimizer, keeping its state from one fit to the next; not with `lr`.
        l1, l2 : float, default 0.0
            Regularization as in `Network.fit` (n is n_samples).
        sample_weight : array_like, shape (n_samples,), optional
            Per-example weights >= 0, as in `Network.fit`: scaled to mean 1 over the
            training set, they weigh each row's gradient in its mini-batch's mean.
        lr_schedule : str, Schedule or None, default None
            As in `Network.fit`, per epoch or per mini-batch.
        validation_data : tuple (X_val, Y_val) or (X_val, Y_val, sample_weight_val), optional
            Checked once, as `Network.fit` checks it, and scored after each epoch on
            every rank (the same figures on all).
        early_stopping : bool, default False
            Stop when the validation cost (the training cost without validation data)
            has not improved by more than `min_delta` for `patience` epochs.
        patience : int, default 10
            Epochs without improvement before stopping, >= 0.
        min_delta : float, default 0.0
            The improvement that resets the patience, >= 0.
        restore_best : bool, default True
            With early stopping, keep the parameters of the best epoch.
        shuffle : bool, default True
            A fresh order each epoch.
        seed : int or None, default None
            Draws the order; None draws from the network's generator (the same on every
            rank for networks made with the same seed, or loaded from the same file).
        callbacks : list of Callback, optional
            This rank's callbacks (`fcnn.callbacks`; the ranks may have different ones,
            a `~fcnn.callbacks.Checkpoint` on rank 0 alone, say): ``on_train_begin``,
            ``on_epoch_begin``, ``on_epoch_end`` (logs: "cost", "lr", "val_cost",
            "val_accuracy", the same on every rank) and ``on_train_end``, as `Network.fit`
            calls them (``on_batch_end`` is not called). After each of these calls one
            collective tells every rank whether any rank's callbacks raised (that rank
            raises its exception, the others `PeerError`) or set ``net.stop_training``
            (every rank then stops after the epoch).

        Returns
        -------
        History
            Per epoch (each also advances ``net.position``): the mean cost of the rows
            before their update (over all ranks), the learning rate, and the validation
            cost and accuracy.

        Raises
        ------
        ValueError
            On every rank, if the ranks disagree on the data's shape, the options or the
            optimizer (its class, hyperparameters and step count), before training.
        TypeError, ValueError
            On a rank whose arguments fail fit's checks (its own error; the other ranks
            then raise the ValueError of a disagreement), before training.
        PeerError
            On the ranks that did not fail, when another rank raised in its part of a
            mini-batch (which raises its own exception at the same mini-batch).
        DivergenceError
            On every rank, when the summed gradient or the parameters become
            non-finite: the network keeps the parameters and optimizer state of the
            epoch before.

        Examples
        --------
        >>> import fcnn
        >>> from fcnn.distributed import DataParallel
        >>> X, y = fcnn.datasets.xor()
        >>> net = fcnn.Network([2, 4, 2], seed=0)
        >>> trainer = DataParallel(net, allreduce=lambda array: None, shard=(0, 1))
        >>> history = trainer.fit(X, y, epochs=3, batch_size=4, lr=0.5, validation_data=(X, y))
        >>> len(history.val_cost), history.lr
        (3, [0.5, 0.5, 0.5])
        """
        net = self.net
        try:  # a rank whose arguments fail raises its error, the others a disagreement
            epochs = check_int(epochs, "epochs", minimum=0)
            batch_size = check_int(batch_size, "batch_size", minimum=1)
            patience = check_int(patience, "patience", minimum=0)
            optimizer = _optimizers.get(optimizer, lr)
            schedule = _schedules.get(lr_schedule)
            X, Y = np.asarray(X), np.asarray(Y)
            n = X.shape[0]
            weights = None
            if sample_weight is not None:  # fit's: a weighted mean over a mini-batch's rows
                weights = as_sample_weight(np.asarray(sample_weight), n, net.dtype)
                weights = mean_one_weights(weights, "the sample weights (sample_weight)")
            rng = net.internals.rng if seed is None else np.random.default_rng(check_seed(seed))
            shapes = None if validation_data is None else [np.shape(a) for a in validation_data]
            callbacks = checked_callbacks(callbacks)
            validation = None
            if validation_data is not None:
                validation = check_validation_data(validation_data, net)
            measured = {"cost", "lr"} | validation_metric_names(validation)
            for callback in callbacks:
                check = getattr(callback, "check_metrics", None)
                if check is not None:
                    check(measured)
            facts = dict(
                zip(
                    _FIT_FACTS,
                    (
                        X.shape,
                        Y.shape,
                        None if weights is None else weights.shape,
                        shapes,
                        optimizer.config(),
                        (epochs, batch_size, l1, l2, shuffle, early_stopping, patience),
                        (min_delta, restore_best, repr(schedule)),
                        rng.bit_generator.state,
                    ),
                    strict=True,
                )
            )
        except (TypeError, ValueError) as error:
            facts = dict.fromkeys(_FIT_FACTS, f"failed: {error!r}")
            with contextlib.suppress(ValueError):  # this rank's own error instead
                self._check_agreement(facts)
            raise
        self._check_agreement(facts)
        step = _Step(self, X, Y, weights, l1=l1, l2=l2)
        base_lr = optimizer.lr
        schedule.reset()
        schedule.steps = 0
        history = History()
        best = (np.inf, None, 0)  # (monitored value, parameters, epoch)
        waited = 0
        logs: dict[str, float] = {}
        net.stop_training = False
        self._call_together(callbacks, "on_train_begin", {})
        try:
            for epoch in range(epochs):
                self._call_together(callbacks, "on_epoch_begin", net.position.epochs + 1, {})
                order = rng.permutation(n) if shuffle else np.arange(n)
                start = time.perf_counter()
                kept = net.theta.copy(), [s.copy() for s in optimizer.states], optimizer.t
                cost_sum = 0.0
                for batch, first in enumerate(range(0, n, batch_size)):
                    if schedule.per_step:
                        optimizer.lr = float(schedule.lrs(schedule.steps, 1, base_lr)[0])
                        schedule.steps += 1
                    else:
                        optimizer.lr = schedule.lr(epoch, base_lr)
                    rows = order[first : first + batch_size]
                    try:
                        cost_sum += step(optimizer, rows, epoch, batch)
                    except DivergenceError:
                        _restore(net, optimizer, kept)
                        raise
                position = net.internals.position
                net.internals.position = Position(position.epochs + 1, position.steps + batch + 1)
                metrics = {"cost": cost_sum / n}
                if validation is not None:
                    scores = net.internals.evaluate(*validation)
                    metrics.update({f"val_{k}": v for k, v in scores.items()})
                history.record(
                    metrics, seconds=time.perf_counter() - start, samples=n, lr=optimizer.lr
                )
                schedule.observe(epoch, metrics)
                stopping = False
                if early_stopping:
                    value = metrics.get("val_cost", metrics["cost"])
                    if value < best[0]:
                        waited = waited + 1 if value > best[0] - min_delta else 0
                        best = (value, net.theta.copy(), epoch + 1)
                    else:
                        waited += 1
                    stopping = bool(waited and waited >= patience)
                logs = {**metrics, "lr": optimizer.lr}
                self._call_together(callbacks, "on_epoch_end", net.position.epochs, logs)
                if stopping or net.stop_training:
                    history.stopped_epoch = epoch + 1
                    break
        finally:
            optimizer.lr = base_lr
        if early_stopping and best[1] is not None:
            history.best_epoch = best[2]
            if restore_best:
                net.internals.theta[...] = best[1]
        self._call_together(callbacks, "on_train_end", logs)
        return history

    def _call_together(self, callbacks: list[Any], method: str, *arguments: Any) -> None:
        """This rank's callbacks' `method`, then one collective of two flags: whether any
        rank's callbacks raised (this rank's exception here, `PeerError` on the others)
        and whether any set ``net.stop_training`` (then set on every rank)."""
        flags = np.zeros(2)
        failure = None
        try:
            call_callbacks(callbacks, method, self.net, *arguments)
        except Exception as error:  # raised below, once every rank knows
            failure, flags[0] = error, 1
        flags[1] = bool(self.net.stop_training)
        self.allreduce(flags)
        if flags[0]:
            if failure is not None:
                raise failure
            raise PeerError(f"{int(flags[0])} other rank(s) failed in their callbacks' {method}")
        self.net.stop_training = bool(flags[1])


# What the ranks must agree on when fit starts (a rank whose arguments fail its checks
# differs in all).
_FIT_FACTS = ("X shape", "Y shape", "sample_weight", "validation data", "optimizer", "options",
              "more options", "seed")  # fmt: skip


class _Step:
    """One global mini-batch: this rank's summed gradient, one allreduce, the update."""

    def __init__(
        self,
        trainer: DataParallel,
        X: NDArray[Any],
        Y: NDArray[Any],
        weights: NDArray[Any] | None,
        *,
        l1: float,
        l2: float,
    ) -> None:
        self.trainer, self.X, self.Y, self.weights = trainer, X, Y, weights
        self.l1, self.l2, self.n_train = l1, l2, X.shape[0]
        net = trainer.net
        self.buffer = np.zeros(net.theta.size + _TAIL, dtype=net.dtype)

    def __call__(
        self, optimizer: _optimizers.Optimizer, rows: NDArray[np.intp], epoch: int, batch: int
    ) -> float:
        """Train on the global mini-batch `rows`; return its summed cost (weighted, without
        the l1/l2 terms)."""
        trainer, buffer = self.trainer, self.buffer
        m, k, world = rows.size, trainer.rank, trainer.world_size
        mine = rows[m * k // world : m * (k + 1) // world]
        buffer[...] = 0
        failure = None
        try:
            self.shard_gradient(mine, buffer)
        except Exception as error:  # raised below, once every rank knows
            failure = error
            buffer[...] = 0
            buffer[-_TAIL + _FAILED] = 1
        trainer.allreduce(buffer)
        tail = buffer[-_TAIL:]
        where = f"epoch {epoch + 1}, mini-batch {batch + 1}"
        if tail[_FAILED]:
            if failure is not None:
                raise failure
            raise PeerError(f"{int(tail[_FAILED])} other rank(s) failed in {where}")
        grad = buffer[:-_TAIL]
        grad /= tail[_ROWS]  # in place: the buffer is made once per fit
        net = trainer.net
        cost = float(tail[_COST])
        if self.l1 or self.l2:  # History's cost is the data's
            l1, l2 = self.l1 / self.n_train, self.l2 / self.n_train
            cost -= _optimizers.penalty(net.weights, l1=l1, l2=l2) * float(tail[_WEIGHT])
        if first_non_finite(grad) >= 0:
            raise DivergenceError(
                f"the summed gradient became non-finite in {where}", epoch + 1, batch
            )
        optimizer.apply(net, grad)
        if first_non_finite(net.internals.theta) >= 0:
            raise DivergenceError(f"the parameters became non-finite in {where}", epoch + 1, batch)
        return cost

    def shard_gradient(self, rows: NDArray[np.intp], buffer: NDArray[Any]) -> None:
        """This rank's part of the allreduce buffer for its `rows`: the gradient and cost
        (with the l1/l2 terms) summed over the rows, weighted; the row count and weight
        sum. The weights have mean 1 over the training set; as in `Network.fit`, the
        mini-batch's gradient is this summed over the ranks divided by its rows."""
        weights = None if self.weights is None else self.weights[rows]
        weight = float(rows.size if weights is None else weights.sum())
        buffer[-_TAIL:] = [0, rows.size, weight, 0]
        if weight == 0:
            return
        part = self.trainer.net.gradients(
            self.X[rows],
            self.Y[rows],
            sample_weight=weights,
            l1=self.l1,
            l2=self.l2,
            n_train=self.n_train,
            out=buffer[:-_TAIL],
            reduction="sum",
        )
        buffer[-_TAIL + _COST] = part.cost


def _restore(net: Any, optimizer: _optimizers.Optimizer, kept: tuple[Any, ...]) -> None:
    """Back to the parameters and optimizer state `kept` at the start of an epoch."""
    theta, states, t = kept
    net.internals.theta[...] = theta
    for state, saved in zip(optimizer.states, states, strict=True):
        state[...] = saved
    optimizer.t = t


def mpi_allreduce(comm: Any = None) -> Allreduce:
    """An allreduce over an MPI communicator (mpi4py's ``Allreduce``, in place).

    Parameters
    ----------
    comm : mpi4py.MPI.Comm or None, default None
        The communicator; None is ``MPI.COMM_WORLD``.

    Returns
    -------
    callable
        ``allreduce(array)``: sums the numpy `array` in place over the communicator.

    Raises
    ------
    ImportError
        Without mpi4py (``pip install "fcnn[mpi]"``, and an MPI library such as Open MPI).

    Examples
    --------
    Under ``mpirun -n 2 python train.py``:

    >>> from mpi4py import MPI  # doctest: +SKIP
    >>> comm = MPI.COMM_WORLD  # doctest: +SKIP
    >>> trainer = DataParallel(net, mpi_allreduce(comm), (comm.rank, comm.size))  # doctest: +SKIP
    """
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(
            'mpi_allreduce needs mpi4py: pip install "fcnn[mpi]" (and an MPI library)'
        ) from error
    comm = MPI.COMM_WORLD if comm is None else comm

    def allreduce(array: NDArray[Any]) -> None:
        comm.Allreduce(MPI.IN_PLACE, array, op=MPI.SUM)

    return allreduce


def torch_allreduce(group: Any = None) -> Allreduce:
    """An allreduce over a torch.distributed process group (``all_reduce``, sum).

    The numpy array is shared with a CPU tensor (no copy), so the backend must reduce CPU
    tensors: gloo (or MPI). PyTorch is not an extra of fcnn: install it as PyTorch says.

    Parameters
    ----------
    group : torch.distributed.ProcessGroup or None, default None
        The group; None is the default group (``init_process_group``).

    Returns
    -------
    callable
        ``allreduce(array)``: sums the numpy `array` in place over the group.

    Raises
    ------
    ImportError
        Without PyTorch.

    Examples
    --------
    Under ``torchrun --nproc-per-node 2 train.py``:

    >>> import torch.distributed as dist  # doctest: +SKIP
    >>> dist.init_process_group("gloo")  # doctest: +SKIP
    >>> shard = (dist.get_rank(), dist.get_world_size())  # doctest: +SKIP
    >>> trainer = DataParallel(net, torch_allreduce(), shard)  # doctest: +SKIP
    """
    try:
        import torch
        import torch.distributed as dist
    except ImportError as error:
        raise ImportError("torch_allreduce needs PyTorch (https://pytorch.org)") from error

    def allreduce(array: NDArray[Any]) -> None:
        dist.all_reduce(torch.from_numpy(array), op=dist.ReduceOp.SUM, group=group)

    return allreduce
