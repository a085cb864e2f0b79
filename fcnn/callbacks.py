"""Callbacks: code of yours that `Network.fit` runs between epochs.

``fit(..., callbacks=[...])`` takes a list of objects with any of the methods of
`Callback` (subclassing it is optional: a missing method is skipped). fit calls them in
list order, between epochs, and within epochs only if asked (its
``batch_callback_every``):

- ``on_train_begin(net, logs)`` once, before the first epoch; ``logs`` is empty;
- ``on_epoch_begin(net, epoch, logs)`` before each epoch (``epoch`` is 1-based, counted
  from the start of the network's training run, `Network.position`: a fit with
  ``resume=True`` and `Network.partial_fit` go on counting), before its learning rate
  is taken from the optimizer and the schedule; ``logs`` is empty;
- ``on_batch_end(net, batch, logs)`` only with fit's ``batch_callback_every=k``: after
  mini-batches k, 2k, ... of each epoch (``batch`` counts the epoch's mini-batches from
  1); ``logs`` holds "cost", the running cost of the epoch so far (each example's,
  taken just before the update that used it, as the epoch's own), "samples", the
  examples trained on in the epoch so far, and "lr", that of the last mini-batch.
  The core calls it as it calls the progress bar, taking back the GIL for the call
  only: training is the same, bit for bit, as without it;
- ``on_epoch_end(net, epoch, logs)`` after the epoch is recorded in the History;
  ``logs`` holds its figures by name: "cost", "lr", and where measured "accuracy",
  "val_cost", "val_accuracy" and the metrics of fit's `metrics` ("val_f1", ...);
- ``on_train_end(net, logs)`` once, after the last epoch and early stopping's restore of
  the best parameters; ``logs`` is the last epoch's (empty if none ran).

A callback stops training by setting ``net.stop_training = True`` (fit sets it to False
when it starts): fit stops when the current epoch is over and recorded, and
`History.stopped_epoch` says which. Set in ``on_batch_end``, the epoch ends after that
mini-batch: it is recorded as any epoch (validation scores and metrics of the network
as it is, ``on_epoch_end``), with the running cost and the examples of its
mini-batches so far; its accuracy is NaN (the core counts it for whole passes) unless
that was the epoch's last mini-batch (or, for a stream, that of a piece of it). It
changes the learning rate through the optimizer, ``net.optimizer.lr = value``: the
next epoch (this one, in ``on_epoch_begin``; the next mini-batch, in
``on_batch_end``) and the optimizer's later fits use it, through the learning-rate
schedule; the History records each epoch's first rate. A callback that raises stops
training with its exception; the network keeps the state of the last recorded epoch
(an exception in ``on_epoch_end`` comes after its epoch is recorded).

A non-finite cost or parameter already stops training, with `fcnn.DivergenceError`, and
the network keeps what it had before that epoch: fit needs no callback to terminate on
NaN.

Examples
--------
>>> import fcnn
>>> from fcnn.callbacks import Callback
>>> class StopBelow(Callback):
...     def on_epoch_end(self, net, epoch, logs):
...         if logs["cost"] < 0.2:
...             net.stop_training = True
>>> X, y = fcnn.datasets.xor()
>>> net = fcnn.Network([2, 8, 2], "tanh", seed=0)
>>> history = net.fit(X, y, epochs=500, batch_size=4, lr=0.5, callbacks=[StopBelow()])
>>> history.epochs < 500, history.cost[-1] < 0.2
(True, True)
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .network import Network

__all__ = ["Callback", "Checkpoint", "CSVLogger"]


class Callback:
    """Base class of the callbacks: every method does nothing.

    See the module's description for when `Network.fit` calls each method and what
    ``logs`` holds.
    """

    def check_metrics(self, names: Collection[str]) -> None:
        """Check, before training, that the epochs will record what this callback needs.

        Parameters
        ----------
        names : collection of str
            The names of the figures each epoch's ``logs`` will hold (but "lr").

        Raises
        ------
        ValueError
            If the callback needs a figure that is not among `names`; the default
            needs none.
        """

    def on_train_begin(self, net: Network, logs: Mapping[str, float]) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, net: Network, epoch: int, logs: Mapping[str, float]) -> None:
        """Before the 1-based epoch `epoch`; `logs` is empty."""

    def on_batch_end(self, net: Network, batch: int, logs: Mapping[str, float]) -> None:
        """After the epoch's 1-based mini-batch `batch`, with fit's batch_callback_every;
        `logs` holds "cost" (running, of the epoch so far), "samples" and "lr"."""

    def on_epoch_end(self, net: Network, epoch: int, logs: Mapping[str, float]) -> None:
        """After the 1-based epoch `epoch`, recorded; `logs` holds its figures."""

    def on_train_end(self, net: Network, logs: Mapping[str, float]) -> None:
        """After the last epoch; `logs` holds the last epoch's figures."""


def check_mode(mode: object, monitor: str | None) -> Literal["min", "max"]:
    """`mode` checked: "min" or "max", or None for `monitor`'s own direction (higher
    accuracy, lower cost); a metric of the user's has none."""
    if mode is None and monitor in ("accuracy", "val_accuracy"):
        return "max"
    if mode is None and monitor in ("cost", "val_cost"):
        return "min"
    if mode not in ("min", "max"):
        raise ValueError(
            f"mode must be 'min' or 'max': whether a lower or a higher "
            f"{monitor or 'monitored value'} is better; got {mode!r}"
        )
    return mode


def check_monitor(monitor: str, names: Collection[str], who: str) -> None:
    """Raise ValueError if `monitor` is not among the figures `names` the fit records."""
    if monitor not in names:
        hint = " (val_ figures need validation data)" if monitor.startswith("val_") else ""
        raise ValueError(
            f"{who} monitors {monitor!r}, which this fit does not record{hint}: it "
            f"records {sorted(names)}"
        )


class Checkpoint(Callback):
    """Save the network after each epoch, or after each epoch that improves a monitored
    figure, with `Network.save` (atomic: a file is whole or not there).

    The file holds the parameters, the optimizer and its state, the network's
    generator (shuffling, dropout), its EMA and SWA averages and the training run's
    position (`Network.position`): loading the last file and fitting on for the
    remaining epochs with ``resume=True`` (and the other arguments unchanged) ends as
    the run that was not interrupted, bit for bit, learning-rate schedule included,
    when fit draws from the network's generator (``seed=None``, its default) and holds
    no rows out with ``validation_split`` (both drawn at the start of each fit). The
    History, early stopping and an `fcnn.LBFGS` minimization start again.

    Parameters
    ----------
    path_pattern : str or os.PathLike
        The file to write, formatted with ``str.format`` by ``epoch`` (1-based) and the
        epoch's figures: ``"net-{epoch:03d}.fcnn"``, ``"best.fcnn"`` or
        ``"net-{epoch}-{val_cost:.4f}.fcnn"``.
    monitor : str or None, default None
        A figure of the epoch's ``logs`` ("val_cost", "val_f1", ...). None saves after
        every epoch.
    mode : {"min", "max"}, default "min"
        Whether a lower or a higher `monitor` is better.
    save_best_only : bool, default False
        Needs `monitor`: True writes the file only when the monitored figure is better
        (strictly) than its best so far, in every fit this Checkpoint was given to (a
        loop of `Network.partial_fit`, say); False writes it after every epoch, and
        `monitor` is then only checked.

    Raises
    ------
    ValueError
        If `mode` is not "min" or "max", or `save_best_only` has no `monitor`; and from
        `Network.fit`, before training, if the fit does not record `monitor`.

    Examples
    --------
    >>> import os, tempfile
    >>> import fcnn
    >>> from fcnn.callbacks import Checkpoint
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 4, 2], seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     pattern = os.path.join(folder, "net-{epoch}.fcnn")
    ...     _ = net.fit(X, y, epochs=3, lr=1.0, callbacks=[Checkpoint(pattern)])
    ...     print(sorted(os.listdir(folder)))
    ...     resumed = fcnn.load(pattern.format(epoch=2))
    ['net-1.fcnn', 'net-2.fcnn', 'net-3.fcnn']
    >>> _ = resumed.fit(X, y, epochs=1, resume=True)
    >>> bool((resumed.theta == net.theta).all())
    True
    """

    def __init__(
        self,
        path_pattern: str | os.PathLike[str],
        monitor: str | None = None,
        mode: Literal["min", "max"] = "min",
        save_best_only: bool = False,
    ) -> None:
        if save_best_only and monitor is None:
            raise ValueError("save_best_only needs a monitor: the figure that decides 'best'")
        self.path_pattern = os.fspath(path_pattern)
        self.monitor = monitor
        self.mode = check_mode(mode, monitor)
        self.save_best_only = bool(save_best_only)
        self.best = math.nan

    def check_metrics(self, names: Collection[str]) -> None:
        if self.monitor is not None:
            check_monitor(self.monitor, names, "Checkpoint")

    def on_epoch_end(self, net: Network, epoch: int, logs: Mapping[str, float]) -> None:
        if self.save_best_only:
            value = logs[self.monitor]  # type: ignore[index]
            better = value < self.best if self.mode == "min" else value > self.best
            if not (better or math.isnan(self.best)):
                return
            self.best = value
        net.save(self.path_pattern.format(epoch=epoch, **logs))

    def __repr__(self):
        return (
            f"Checkpoint({self.path_pattern!r}, monitor={self.monitor!r}, mode={self.mode!r}, "
            f"save_best_only={self.save_best_only})"
        )


class CSVLogger(Callback):
    """Write each epoch's figures as a row of a CSV file, as the epoch ends.

    The first row names the columns: "epoch" (1-based), then the figures of the first
    epoch's ``logs`` in their order. The file is closed after each row: it is complete
    up to the last recorded epoch also when training stops with an exception.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    append : bool, default False
        False writes the file anew at the start of each fit; True adds rows under the
        columns of an existing file (a loop of `Network.partial_fit`, say), leaving
        empty a column the epoch does not have and out a figure the file has no
        column for.

    Examples
    --------
    >>> import os, tempfile
    >>> import fcnn
    >>> from fcnn.callbacks import CSVLogger
    >>> X, y = fcnn.datasets.xor()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "log.csv")
    ...     _ = fcnn.Network([2, 4, 2], seed=0).fit(X, y, epochs=2, callbacks=[CSVLogger(path)])
    ...     with open(path) as file:
    ...         print(file.readline().strip())
    epoch,cost,accuracy,lr
    """

    def __init__(self, path: str | os.PathLike[str], append: bool = False) -> None:
        self.path = os.fspath(path)
        self.append = bool(append)
        self.columns: list[str] | None = None

    def on_train_begin(self, net: Network, logs: Mapping[str, float]) -> None:
        self.columns = None
        if self.append and os.path.exists(self.path) and os.path.getsize(self.path):
            with open(self.path, newline="") as file:
                self.columns = next(csv.reader(file))

    def on_epoch_end(self, net: Network, epoch: int, logs: Mapping[str, float]) -> None:
        first = self.columns is None
        columns = self.columns = self.columns or ["epoch", *logs]
        with open(self.path, "w" if first else "a", newline="") as file:
            writer = csv.writer(file)
            if first:
                writer.writerow(columns)
            values = (repr(float(logs[name])) if name in logs else "" for name in columns[1:])
            writer.writerow([epoch, *values])

    def __repr__(self):
        return f"CSVLogger({self.path!r}, append={self.append})"
