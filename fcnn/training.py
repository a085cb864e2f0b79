"""Training: `TrainingRun`, which owns one run of `Network.fit`, and its errors.

Each epoch is one call into the core per piece of the data, which shuffles the piece, steps
through its mini-batches and updates the parameters in place without the GIL. Arrays in
memory are one piece; a stream of chunks is read a few chunks to a piece (its
shuffle_buffer), and a memory-mapped file with held-out rows a block of rows to a piece.
Between epochs the run applies the learning-rate schedule, scores the validation data and
the user's metrics, keeps the best parameters for early stopping, checks for divergence,
and calls the user's callbacks.
"""

from __future__ import annotations

import math
import mmap
import numbers
import time
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import callbacks as _callbacks
from . import lbfgs as _lbfgs
from . import optimizers as _optimizers
from . import schedules as _schedules
from ._interrupts import held_interrupts
from ._validation import (
    as_inputs,
    as_sample_weight,
    as_targets,
    check_bool,
    check_dropout,
    check_feature_names,
    check_hyperparameter,
    check_int,
    check_number,
    check_real,
    check_seed,
    core_rows,
    feature_names,
    is_sparse,
    mean_one_weights,
    non_finite_error,
    predicted_classes,
    scaled_weights,
    target_kind,
)
from .diagnostics import Diagnostics, check_kinds
from .history import History
from .progress import UPDATES_PER_EPOCH, EpochProgress

if TYPE_CHECKING:
    from .network import Network

__all__ = ["SHUFFLE_BUFFER", "DivergenceError", "Position", "TrainingRun"]

SHUFFLE_BUFFER = 8
"""Chunks of a stream that fit gathers and shuffles together by default (its shuffle_buffer)."""

BLOCK_BYTES = 8 * 2**20
"""About the bytes of rows gathered at a time from a memory-mapped file (validation_split)."""

SAMPLE_ROWS = 1000
"""Training rows gathered from such a file for the diagnostics."""

Monitor: TypeAlias = Literal["val_cost", "val_accuracy", "cost"]
"""The figures of every fit that early stopping can watch (and the user's metrics)."""
MetricsOn: TypeAlias = Literal["validation", "training", "both"]
"""The data that fit's metrics score."""
ScheduleName: TypeAlias = Literal["constant", "step", "exponential", "inverse_scaling", "plateau"]
"""The names `fcnn.schedules.get` takes."""
DiagnosticName: TypeAlias = Literal["grad_norm", "dead_units", "saturation"]
"""The per-layer diagnostics of `fcnn.diagnostics` (and "all" of them)."""


class Position(NamedTuple):
    """Where a network's training run is: what it has trained since the run began.

    A `Network.fit` begins a run, unless given ``resume=True``; `Network.partial_fit`
    goes on with the run. The learning-rate schedule is evaluated at the position, and
    the epoch numbers of callbacks, ``swa_start`` and errors count from the run's start.
    The model file keeps it.

    Attributes
    ----------
    epochs : int
        The epochs trained in the run (L-BFGS iterations count as epochs).
    steps : int
        The mini-batches trained in the run (one per L-BFGS iteration).

    Examples
    --------
    >>> import fcnn
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 3, 2], seed=0)
    >>> _ = net.fit(X, y, epochs=3, batch_size=3, lr=0.5)
    >>> net.position
    Position(epochs=3, steps=6)
    """

    epochs: int
    steps: int


class DivergenceError(FloatingPointError):
    """Training produced a non-finite cost or parameter.

    Raised by `Network.fit` (and `Network.step`). The network keeps the parameters (and
    optimizer state) it had before the epoch in which that happened. The message says
    where, and the learning rate of that epoch.

    Parameters
    ----------
    message : str
        What happened and what to try.
    epoch : int
        The 1-based epoch that diverged.
    batch : int or None, default None
        Its 0-based mini-batch where the cost stopped being finite; None when it was
        found at the end of the epoch, in the parameters.
    layer : int or None, default None
        The 1-based layer (the notes' l) where non-finite values appeared first, if
        known.

    Attributes
    ----------
    epoch : int
        As given.
    batch : int or None
        As given.
    layer : int or None
        As given.

    Examples
    --------
    >>> import numpy as np
    >>> import fcnn
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 3, 1], "linear", seed=0)
    >>> before = net.theta.copy()
    >>> try:
    ...     net.fit(X, y.astype(float), epochs=5, batch_size=1, lr=1e200)
    ... except fcnn.DivergenceError as error:
    ...     print(error.epoch, error.batch, error.layer)
    1 1 2
    >>> bool(np.array_equal(net.theta, before))
    True
    """

    def __init__(
        self, message: str, epoch: int, batch: int | None = None, layer: int | None = None
    ) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.layer = layer


class TrainingRun:
    """One training run of a network: everything `Network.fit` does between its call and
    its History.

    Made per call of `Network.fit` (and `Network.step`, which goes through it), it owns
    the run's checked data and options, the optimizer's binding and core settings, the
    workspace, the snapshot that undoes an unfinished epoch, the epoch loop, validation,
    early stopping, diagnostics and progress. Everything is checked when it is made, before
    any training (a stream's chunks as they come); `run` then trusts the core: each
    epoch is one call into it per piece of the data.

    Parameters
    ----------
    net : Network
        The network to train, in place; the caller holds its lock.
    X : array_like, shape (n_samples, sizes[0]), or a stream of chunks
        Training inputs, one row per example; or, with Y None, a stream of (X, Y)
        chunks as `Network.fit` takes it.
    Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,), or None
        Targets, or integer class labels.
    options : mapping of str to object
        Every keyword argument of `Network.fit`, by name, meaning what it means there:
        that signature is the one definition of the options and of their defaults.
    go_on : bool, default False
        Go on with the network's training run (`Network.partial_fit`), as
        ``resume=True`` does, but with any optimizer.

    Raises
    ------
    TypeError, ValueError
        For an argument of the wrong type or value; see `Network.fit`.

    See Also
    --------
    Network.fit : What makes and runs one.
    """

    def __init__(
        self,
        net: Network,
        X: Any,
        Y: ArrayLike | None,
        options: Mapping[str, Any],
        go_on: bool = False,
    ):
        self.net = net
        self.internals = internals = net.internals
        self.epochs = check_int(options["epochs"], "epochs", minimum=0)
        optimizer, lr = options["optimizer"], options["lr"]
        resume = check_bool(options["resume"], "resume")
        if resume and (optimizer is not None or lr is not None):
            raise ValueError(
                "resume=True goes on with the network's optimizer and its state: "
                "give neither lr nor optimizer"
            )
        self.go_on = resume or go_on
        if optimizer is None and lr is None and net.optimizer is not None:
            optimizer = net.optimizer  # carry on with the last fit's optimizer and its state
        self.optimizer = optimizer = _optimizers.get(optimizer, lr)
        l1 = check_hyperparameter(options["l1"], "l1", dtype=net.dtype)
        l2 = check_hyperparameter(options["l2"], "l2", dtype=net.dtype)
        dropout_rates = check_dropout(
            options["dropout"], len(net.sizes) - 2, options["input_dropout"]
        )
        clip_norm, clip_value, ema_decay, self.swa_start = (
            options[name] for name in ("clip_norm", "clip_value", "ema_decay", "swa_start")
        )
        if clip_norm is not None:
            clip_norm = check_hyperparameter(clip_norm, "clip_norm", low_open=True, dtype=net.dtype)
        if clip_value is not None:
            clip_value = check_hyperparameter(
                clip_value, "clip_value", low_open=True, dtype=net.dtype
            )
        if ema_decay is not None:
            ema_decay = check_real(ema_decay, "ema_decay", 0, 1, low_open=True, high_open=True)
        if self.swa_start is not None:
            self.swa_start = check_int(self.swa_start, "swa_start", minimum=1)
        self.schedule = _schedules.get(options["lr_schedule"])
        shuffle = check_bool(options["shuffle"], "shuffle")
        verbose = check_bool(options["verbose"], "verbose")
        kinds = check_kinds(options["diagnostics"])
        self.early_stopping = check_bool(options["early_stopping"], "early_stopping")
        self.restore_best = check_bool(options["restore_best"], "restore_best")
        self.patience = check_int(options["patience"], "patience", minimum=0)
        self.min_delta = check_number(options["min_delta"], "min_delta", minimum=0)
        self.callbacks = checked_callbacks(options["callbacks"])
        self.callback_every = options["batch_callback_every"]
        if self.callback_every is not None:
            self.callback_every = check_int(self.callback_every, "batch_callback_every", 1)
        self.metrics = _checked_metrics(options["metrics"])
        metrics_on = options["metrics_on"]
        if metrics_on not in typing.get_args(MetricsOn):
            raise ValueError(
                f"metrics_on must be 'validation', 'training' or 'both', got {metrics_on!r}"
            )
        prefixes = {"validation": ["val_"], "training": [""], "both": ["", "val_"]}[metrics_on]
        self.monitor = monitor = options["monitor"]
        user_names = {prefix + name for prefix in prefixes for name in self.metrics}
        if monitor not in typing.get_args(Monitor) and monitor not in user_names:
            raise ValueError(
                f"monitor must be 'val_cost', 'val_accuracy' or 'cost', got {monitor!r}; or "
                f"the recorded name of one of fit's metrics "
                f"({', '.join(sorted(user_names)) or 'none given'})"
            )
        mode = options["mode"]
        if mode is not None or self.early_stopping:
            mode = _callbacks.check_mode(mode, monitor)
        self.maximize = mode == "max"
        seed = options["seed"]
        rng = internals.rng if seed is None else np.random.default_rng(check_seed(seed))
        buffer = check_int(options["shuffle_buffer"], "shuffle_buffer", minimum=1)
        batch_size = options["batch_size"]
        n: int | None
        self.source: _Source
        if Y is None and not array_like(X):
            self.source = stream = _Stream(X, self.epochs, net, options, buffer)
            if batch_size is None:
                raise ValueError("batch_size=None (the full batch) needs arrays, not a stream")
            X, Y, labels = stream.first[:3]  # the first chunk tells the kind of targets
            self.validation = stream.validation
            n = stream.count() if l1 or l2 else None  # the penalty's n is the data's
        else:
            arrays, self.validation = _arrays(X, Y, options, net, rng)
            self.source = arrays
            X, Y, labels = arrays.sample()
            n = arrays.n
        if isinstance(optimizer, _optimizers.LBFGS):
            _check_lbfgs_options(self.source, options, any(dropout_rates))
        if self.early_stopping and self.validation is None and monitor != "cost":
            raise ValueError(
                f"early_stopping on {monitor!r} needs validation_data or validation_split"
            )
        self.scored = []  # (prefix, X, true values, kind of targets) of each data set scored
        if self.metrics and "val_" in prefixes:
            if self.validation is None:
                raise ValueError(
                    "metrics on the validation data need validation_data or validation_split "
                    "(or metrics_on='training')"
                )
            X_val, Y_val, labels_val, _ = self.validation
            self.scored.append(("val_", X_val, *_truth(Y_val, labels_val)))
        if self.metrics and "" in prefixes:
            if not isinstance(self.source, _Arrays):
                raise ValueError("metrics on the training data need arrays, not a stream")
            X_train, Y_train, labels_train = self.source.training_rows()
            self.scored.append(("", X_train, *_truth(Y_train, labels_train)))
        measured = _metric_names(labels, Y, self.validation)  # known now: fail before training
        measured |= set(self._scores())  # each metric called once: fail before training
        if self.early_stopping and monitor not in measured:
            raise ValueError(
                f"early stopping monitors {monitor!r}, which this fit does not "
                f"measure (accuracy needs class labels): it measures {sorted(measured)}"
            )
        self.schedule.check_metrics(measured)
        for callback in self.callbacks:
            check = getattr(callback, "check_metrics", None)
            if check is not None:
                check(measured)
        self.n = n
        if batch_size is None:
            batch_size = n
        batch_size = check_int(batch_size, "batch_size", 1)
        self.batch_size: int = batch_size if n is None else min(batch_size, n)
        internals.check_parameters_finite()

        optimizer.bind(internals.layout.n_params, net.dtype, net.sizes)
        net.optimizer = optimizer
        self.penalties = (l1 / n if l1 else 0.0, l2 / n if l2 else 0.0)
        self.settings = optimizer.core_settings(
            l1=self.penalties[0],
            l2=self.penalties[1],
            dropout=dropout_rates,
            has_prelu=any(f.learnable for f in net.activations),
        )
        self.settings.clip(clip_norm or 0.0, clip_value or 0.0)
        self.dropout = any(dropout_rates)
        self.input_dropout = dropout_rates[0] > 0  # which gathers each batch into the workspace
        self.workspaces: dict[tuple[int, int], Any] = {}
        if isinstance(self.source, _Arrays):  # now: a batch too large fails before training
            self.workspace(self.source.X, shuffle and self.source.shuffled_by_core)
        self.shuffle, self.verbose, self.rng = shuffle, verbose, rng
        self.accuracy_mode = _accuracy_mode(labels, Y)
        # Y holds the checked targets (an array or None) here, under the user's name
        self.diagnostics = Diagnostics(net, X, Y, labels, kinds) if kinds else None  # type: ignore[arg-type]
        states = optimizer.states
        self.optimizer_states = optimizer.core_states()
        self.ema = None
        if ema_decay is not None:  # all checked: the network gains an average only now
            self.settings.average(ema_decay)
            averages = internals.averages
            if averages.ema is None:  # else the average of the fits before goes on
                averages.ema = internals.theta.copy()
            self.ema = averages.ema
        self.live = [internals.theta] + states + ([self.ema] if self.ema is not None else [])
        self.snapshot = [array.copy() for array in self.live]
        self.batches = 0  # the mini-batches of the last epoch, for a per-step schedule

    def _scores(self) -> dict[str, float]:
        """The user's metrics of the network as it is, by their recorded names."""
        scores = {}
        for prefix, X, truth, kind in self.scored:
            outputs = self.internals.predict(X)
            if kind == "real":
                predicted = outputs[:, 0] if outputs.shape[1] == 1 else outputs
            else:
                predicted = predicted_classes(outputs)
            for name, (metric, scorer) in self.metrics.items():
                if scorer:
                    value = metric(_estimator_view(kind, outputs, predicted), X, truth)
                else:
                    value = metric(truth, predicted)
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    raise TypeError(
                        f"metric {name!r} must return a real number, got {type(value).__name__}"
                    )
                scores[prefix + name] = float(value)
        return scores

    def _call(self, method: str, *arguments: Any) -> None:
        call_callbacks(self.callbacks, method, self.net, *arguments)

    def workspace(self, X: Any, shuffle: bool) -> Any:
        """The core's buffers for a piece of inputs X (a shuffled piece orders its rows in
        them; it and input dropout gather each batch's rows there), kept for the next
        piece of that size."""
        gather = shuffle or self.input_dropout
        key = (X.shape[0], batch_nonzeros(X, self.batch_size)) if gather else (0, 0)
        if key not in self.workspaces:
            self.workspaces = {
                key: self.internals.workspace(
                    self.batch_size,
                    training=True,
                    n_rows=key[0],
                    dropout=self.dropout,
                    sparse_nonzeros=key[1],
                )
            }
        return self.workspaces[key]

    def run(self) -> History:
        """Train for the epochs asked for, or until early stopping.

        Returns
        -------
        History
            The per-epoch records.

        Raises
        ------
        DivergenceError
            If the cost or a parameter becomes non-finite; the network keeps what it had
            before that epoch.
        ValueError
            If X or Y hold inf or NaN (found by the core as it reads them).
        KeyboardInterrupt
            With the History of the finished epochs as ``history``; the unfinished epoch
            is undone.
        """
        history = History()
        if not self.go_on:
            self.internals.position = Position(0, 0)
        try:
            if isinstance(self.optimizer, _optimizers.LBFGS):
                return self._minimize(history)
            return self._train(history)
        except KeyboardInterrupt as interrupt:  # from anywhere, also a second Ctrl-C
            interrupt.history = history  # type: ignore[attr-defined]
            raise

    def _train(self, history: History) -> History:
        """`run`, recording into `history`.

        An epoch changes the parameters, the optimizer state and the generator first,
        and the optimizer's step count, `history` and the early-stopping record after
        the core returns; it is undone on any exception until all of those are recorded
        together, with Ctrl-C held back, so an interrupt at any moment leaves the state
        of one finished epoch.
        """
        theta, optimizer, settings = self.internals.theta, self.optimizer, self.settings
        best = None  # (value, epoch, parameters or None) of the best monitored value
        improved = None  # (value, epoch) of the last improvement by more than min_delta
        if not self.go_on:
            self.schedule.reset()
        start = self.internals.position
        self.schedule.steps = start.steps
        progress = None
        unfinished = False
        last = start.epochs + self.epochs
        logs: dict[str, float] = {}
        self.net.stop_training = False
        try:
            self._call("on_train_begin", {})
            for epoch in range(start.epochs, last):
                number = epoch + 1
                self._call("on_epoch_begin", number, {})
                lr = settings.lr = self._epoch_lr(epoch)
                for saved, live in zip(self.snapshot, self.live):
                    np.copyto(saved, live)
                self.rng_state = self.rng.bit_generator.state
                unfinished = True  # the state may no longer be that of a recorded epoch
                progress = EpochProgress(number, last, self.n) if self.verbose else None
                started = time.perf_counter()
                cost, accuracy, n = self._epoch(epoch, progress)
                seconds = time.perf_counter() - started
                self.n = n

                metrics = {"cost": cost}
                if self.accuracy_mode:
                    metrics["accuracy"] = accuracy
                if self.validation is not None:
                    scores = self.internals.evaluate(*self.validation)
                    metrics.update({f"val_{key}": value for key, value in scores.items()})
                metrics.update(self._scores())
                stopping = False
                with held_interrupts():  # the epoch is recorded whole, or undone
                    optimizer.t = settings.t
                    if self.swa_start is not None and number >= self.swa_start:
                        self.internals.averages.add_to_swa(theta)
                    history.record(metrics, seconds=seconds, samples=n, lr=lr)
                    self.schedule.steps += self.batches
                    self.internals.position = Position(number, self.schedule.steps)
                    if self.diagnostics is not None:
                        self.diagnostics.record(history)
                    if self.early_stopping:  # `monitor` is among the metrics: checked when made
                        value = metrics[self.monitor]
                        value = -value if self.maximize else value
                        if best is None or value < best[0]:
                            best = (value, epoch, theta.copy() if self.restore_best else None)
                        if improved is None or value < improved[0] - self.min_delta:
                            improved = (value, epoch)
                        elif epoch - improved[1] >= self.patience:
                            history.stopped_epoch = epoch + 1 - start.epochs
                            stopping = True
                    unfinished = False
                self.schedule.observe(epoch, metrics)
                if progress is not None:
                    progress.close(history.describe_last())
                    progress = None
                logs = {**metrics, "lr": settings.lr}
                self._call("on_epoch_end", number, logs)
                if self.net.stop_training and not stopping:
                    history.stopped_epoch = number - start.epochs
                    stopping = True
                if stopping:
                    break
        except BaseException:  # bad input, divergence, Ctrl-C
            if unfinished:
                self._undo_epoch()
            if progress is not None:
                progress.interrupt()  # else the bar may be drawn again after the user's output
            raise
        if best is not None:
            with held_interrupts():
                if best[2] is not None:
                    np.copyto(theta, best[2])
                history.best_epoch = best[1] + 1 - start.epochs
        self._call("on_train_end", logs)
        return history

    def _minimize(self, history: History) -> History:
        """`run` for `fcnn.LBFGS`: one minimization over all the training rows, recording
        each iteration as an epoch. An exception (a callback's, Ctrl-C) leaves the
        parameters of the last recorded iteration."""
        optimizer = self.optimizer
        assert isinstance(optimizer, _optimizers.LBFGS) and isinstance(self.source, _Arrays)
        X, Y, labels = self.source.training_rows()
        weights = self.source.core[2]
        targets = Y if Y is not None else _one_hot(labels, self.net.sizes[-1], self.net.dtype)
        _check_finite_rows(self.source, X, targets)
        l1, l2 = self.penalties

        def loss(cost: float, _: float) -> float:
            return cost + _optimizers.penalty(self.net.weights, l1=l1, l2=l2)

        objective = _lbfgs.Objective(self.net, X, targets, weights, self.settings, loss=loss)
        theta = self.internals.theta
        recorded = theta.copy()
        logs: dict[str, float] = {}
        started = time.perf_counter()
        number = first = self.internals.position.epochs

        def iteration(packed: NDArray[np.float64]) -> None:
            nonlocal started, number, logs
            objective.unpack(packed)
            number += 1
            self._call("on_epoch_begin", number, {})
            metrics = self.internals.evaluate(X, Y, labels, weights if weights.size else None)
            if not self.accuracy_mode:
                metrics.pop("accuracy", None)
            if self.validation is not None:
                scores = self.internals.evaluate(*self.validation)
                metrics.update({f"val_{key}": value for key, value in scores.items()})
            metrics.update(self._scores())
            with held_interrupts():
                optimizer.t += 1
                self.internals.position = Position(number, self.internals.position.steps + 1)
                history.record(
                    metrics, seconds=time.perf_counter() - started, samples=X.shape[0], lr=np.nan
                )
                if self.diagnostics is not None:
                    self.diagnostics.record(history)
                np.copyto(recorded, theta)
            logs = {**metrics, "lr": np.nan}
            self._call("on_epoch_end", number, logs)
            started = time.perf_counter()
            if self.net.stop_training:
                history.stopped_epoch = number - first
                raise StopIteration

        self.net.stop_training = False
        self._call("on_train_begin", {})
        try:
            optimizer.result = _lbfgs.minimize(
                objective,
                max_iter=optimizer.max_iter,
                tol=optimizer.tol,
                max_fun=optimizer.max_fun,
                callback=iteration,
                verbose=self.verbose,
            )
        except BaseException:
            with held_interrupts():
                np.copyto(theta, recorded)
            raise
        if not np.isfinite(theta).all():
            np.copyto(theta, recorded)
            raise DivergenceError(
                f"L-BFGS diverged in iteration {number + 1}: the parameters became "
                f"non-finite. The network keeps those of iteration {number}.",
                number + 1,
            )
        self._call("on_train_end", logs)
        return history

    def _epoch(self, epoch: int, progress: EpochProgress | None) -> tuple[float, float, int]:
        """One pass over the data, a core call per piece, or its first mini-batches if a
        callback's on_batch_end stops training: (mean running cost, mean running accuracy
        (NaN if the stop came inside a core call), rows)."""
        number = epoch + 1
        parts = []
        done, cost_sum, batches = 0, 0.0, 0
        for piece in self.source.pieces(self.shuffle, self.rng, self.batch_size):
            m = piece.X.shape[0]
            count = -(-m // self.batch_size)
            shuffle = self.shuffle and self.source.shuffled_by_core
            lrs = self._batch_lrs(batches, count)
            report, every = self._reporter(epoch, progress, batches, done, cost_sum, count, lrs)
            try:
                cost, accuracy, stop, _ = self.internals.core.train_epoch(
                    self.internals.layout,
                    self.settings,
                    self.workspace(piece.X, shuffle),
                    self.internals.theta,
                    core_rows(piece.X),
                    piece.Y,
                    piece.labels,
                    piece.weights,
                    *self.optimizer_states,
                    self.batch_size,
                    shuffle,
                    int(self.rng.integers(2**63)),
                    self.accuracy_mode,
                    report,
                    every,
                    lrs=lrs,
                    ema=self.ema,
                )
            except _StopEpoch as stopped:
                self.batches = stopped.batches
                return stopped.cost_sum / stopped.rows, math.nan, stopped.rows
            if stop is not None and stop[0] == "input":  # (the epoch is undone by the caller)
                raise self.source.non_finite(piece, *stop[1:])
            if stop is not None or not np.isfinite(self.internals.theta).all():
                batch, layer = stop[1:] if stop is not None else (-1, -1)
                batch = batch + batches if batch >= 0 else batch
                raise _divergence(self.net, number, batch, layer, self.settings.lr)
            parts.append((cost, accuracy, m))
            done += m
            cost_sum += cost * m
            batches += count
            due = self.callback_every and batches % self.callback_every == 0
            if due and self._batch_end(epoch, batches, done, cost_sum, None):
                break
        self.batches = batches
        if not parts:
            raise ValueError(f"the stream gave no chunks in epoch {number}")
        accuracy = parts[0][1] if len(parts) == 1 else sum(a * m for _, a, m in parts) / done
        return cost_sum / done, accuracy, done

    def _reporter(
        self,
        epoch: int,
        progress: EpochProgress | None,
        batches: int,
        rows: int,
        cost_sum: float,
        count: int,
        lrs: NDArray[np.float64] | None,
    ) -> tuple[Callable[[int, float], None] | None, int]:
        """(the function the core calls back during a piece of `count` mini-batches that
        follows `batches` mini-batches (`rows` rows, running cost sum `cost_sum`) of the
        0-based `epoch`, every how many of its mini-batches): it moves the progress bar and
        calls the callbacks' on_batch_end every `batch_callback_every` mini-batches of the
        epoch. (None, 0) for neither."""
        bar_every = 0
        if progress is not None:
            total = count if self.n is None else -(-self.n // self.batch_size)
            bar_every = max(1, total // UPDATES_PER_EPOCH)  # a stream's first epoch: the piece's
        callback_every = self.callback_every or 0
        # the piece's mini-batches that end an epoch's k-th one are multiples of gcd(k, batches)
        every = math.gcd(bar_every, math.gcd(callback_every, batches))
        if not every:
            return None, 0

        def report(done: int, total: float) -> None:
            batch = done // self.batch_size  # the core reports after whole mini-batches
            if bar_every and batch % bar_every == 0:
                progress.update(rows + done, cost_sum + total)  # type: ignore[union-attr]
            if callback_every and (batches + batch) % callback_every == 0:
                rest = None if lrs is None else lrs[batch:]
                if self._batch_end(epoch, batches + batch, rows + done, cost_sum + total, rest):
                    raise _StopEpoch(batches + batch, rows + done, cost_sum + total)

        return report, every

    def _batch_end(
        self,
        epoch: int,
        batch: int,
        rows: int,
        cost_sum: float,
        rest: NDArray[np.float64] | None,
    ) -> bool:
        """Call the callbacks' on_batch_end after mini-batch `batch` (1-based) of the
        0-based `epoch` (`rows` rows, running cost sum `cost_sum`); whether they stopped
        training. A new ``net.optimizer.lr`` holds from the next mini-batch: the settings'
        lr, or a per-step schedule's rates `rest` of the piece's mini-batches still to come."""
        base = self.optimizer.lr
        logs = {"cost": cost_sum / rows, "samples": rows, "lr": self.settings.lr}
        self._call("on_batch_end", batch, logs)
        if self.optimizer.lr != base:
            if not self.schedule.per_step:
                self.settings.lr = self._epoch_lr(epoch)
            elif rest is not None and rest.shape[0]:
                rest[:] = self._batch_lrs(batch, rest.shape[0])
        return bool(self.net.stop_training)

    def _epoch_lr(self, epoch: int) -> float:
        """The learning rate of the 0-based `epoch` (a per-step schedule's of its first
        mini-batch), from the schedule and the optimizer's lr, checked."""
        return check_hyperparameter(
            self.schedule.lr(
                self.schedule.steps if self.schedule.per_step else epoch, self.optimizer.lr
            ),
            f"the lr_schedule's lr for epoch {epoch + 1}",
            dtype=self.net.dtype,
        )

    def _batch_lrs(self, done: int, count: int) -> NDArray[np.float64] | None:
        """A per-step schedule's learning rates for the `count` mini-batches after `done`
        mini-batches of the epoch, checked as the per-epoch one is; None for a per-epoch
        schedule (the settings' lr then holds for all)."""
        if not self.schedule.per_step:
            return None
        step = self.schedule.steps + done
        rates = self.schedule.lrs(step, count, self.optimizer.lr)
        tiny = np.finfo(self.net.dtype).tiny
        bad = ~np.isfinite(rates) | (rates < 0) | ((rates > 0) & (rates < tiny))
        if bad.any():
            i = int(np.argmax(bad))
            check_hyperparameter(
                float(rates[i]),
                f"the lr_schedule's lr for mini-batch {step + i + 1}",
                dtype=self.net.dtype,
            )
        return np.ascontiguousarray(rates, dtype=np.float64)

    def _undo_epoch(self) -> None:
        """Back to the parameters, optimizer state and generator of the last finished
        epoch (its step count and history are recorded only when it finishes)."""
        with held_interrupts():
            for saved, live in zip(self.snapshot, self.live):
                np.copyto(live, saved)
            self.rng.bit_generator.state = self.rng_state


def _check_lbfgs_options(source: _Source, options: Mapping[str, Any], dropout: bool) -> None:
    """Refuse fit's options that an L-BFGS run cannot honour."""
    if not isinstance(source, _Arrays):
        raise ValueError("fcnn.LBFGS trains on arrays (the full batch), not a stream")
    refused = {
        "lr_schedule": options["lr_schedule"] is not None,
        "dropout": dropout,
        "early_stopping": options["early_stopping"],
        "batch_callback_every": options["batch_callback_every"] is not None,
    }
    given = [name for name, is_given in refused.items() if is_given]
    if given:
        raise ValueError(
            f"fcnn.LBFGS takes no {', '.join(given)}: it minimizes the full-batch cost "
            f"with its own steps (max_iter, tol and max_fun stop it)"
        )


def _one_hot(labels: NDArray[np.intp], n_outputs: int, dtype: Any) -> NDArray[Any]:
    targets = np.zeros((labels.shape[0], n_outputs), dtype=dtype)
    targets[np.arange(labels.shape[0]), labels] = 1
    return targets


def _check_finite_rows(source: _Arrays, X: Any, Y: NDArray[Any]) -> None:
    """The error for the first row of the training inputs or targets that is not finite
    (the epoch loop's core finds them as it reads them; the L-BFGS objective does not)."""
    for name, values in (("X", X.data if is_sparse(X) else X), ("Y", Y)):
        finite = np.isfinite(values)
        if finite.all():
            continue
        if values.ndim == 1:  # a CSR matrix's values: the row that holds the first bad one
            row = int(np.searchsorted(X.indptr, np.argmin(finite), side="right") - 1)
        else:
            row = int(np.argmin(finite.all(axis=1)))
        origin = source.rows if source.rows is not None else source.user_rows
        raise source.non_finite(_Piece(X, Y, np.empty(0, np.intp), np.empty(0), origin), name, row)


def batch_nonzeros(X, batch_size):
    """For CSR rows, the most nonzeros that batch_size of them hold (room to gather a
    shuffled batch); 0 for dense rows."""
    if not is_sparse(X):
        return 0
    per_row = np.diff(X.indptr)
    batch_size = min(batch_size, per_row.shape[0])
    return max(1, int(np.sum(np.partition(per_row, -batch_size)[-batch_size:])))


class _StopEpoch(Exception):
    """Raised through the core by a callback's stop in on_batch_end: the epoch ends after
    `batches` mini-batches, `rows` rows of running cost sum `cost_sum`."""

    def __init__(self, batches: int, rows: int, cost_sum: float) -> None:
        super().__init__(batches, rows, cost_sum)
        self.batches, self.rows, self.cost_sum = batches, rows, cost_sum


class _Piece(NamedTuple):
    """What one call into the core trains on, as the core takes it (empty arrays for
    what there is not), and where its rows come from, to name a non-finite one."""

    X: NDArray[Any]
    Y: NDArray[Any]
    labels: NDArray[np.intp]
    weights: NDArray[Any]
    origin: Any


class _Source:
    """The training data of a run, as pieces for the epoch loop. `shuffled_by_core`: a
    shuffled epoch shuffles the rows of each piece in the core (else the pieces come in
    shuffled order)."""

    shuffled_by_core = True

    def pieces(self, shuffle: bool, rng: np.random.Generator, batch_size: int) -> Iterator[_Piece]:
        raise NotImplementedError

    def non_finite(self, piece: _Piece, name: str, row: int) -> ValueError:
        """The error for row `row` of the piece's `name` ("X" or "Y"), which the core
        found not finite."""
        raise NotImplementedError


def _core_arrays(Y, labels, weights, n_outputs, dtype):
    return (
        np.empty((0, n_outputs), dtype=dtype) if Y is None else Y,
        np.empty(0, dtype=np.intp) if labels is None else labels,
        np.empty(0, dtype=dtype) if weights is None else weights,
    )


class _Arrays(_Source):
    """Arrays in memory, one piece an epoch; or, for a memory-mapped X with some rows
    held out (`rows`: the training rows), blocks of the training rows gathered from the
    file in epoch order, so that the training rows are never all copied."""

    def __init__(self, X, Y, labels, weights, rows, user_rows, originals, checked, n_outputs):
        self.X, self.Y, self.labels, self.rows, self.user_rows = X, Y, labels, rows, user_rows
        self.n = X.shape[0] if rows is None else rows.shape[0]
        self.core = _core_arrays(Y, labels, weights, n_outputs, X.dtype)
        self.originals, self.checked = originals, checked
        self.shuffled_by_core = rows is None

    def pieces(self, shuffle, rng, batch_size):
        Y, labels, weights = self.core
        if self.rows is None:
            yield _Piece(self.X, Y, labels, weights, self.user_rows)
            return
        order = rng.permutation(self.n) if shuffle else np.arange(self.n)
        block = batch_size * max(1, BLOCK_BYTES // (self.X[0].nbytes * batch_size))
        for start in range(0, self.n, block):
            which = order[start : start + block]
            rows = self.rows[which]
            yield _Piece(
                self.X[rows],
                Y[rows] if Y.shape[0] else Y,
                labels[rows] if labels.shape[0] else labels,
                weights[which] if weights.shape[0] else weights,
                rows,
            )

    def training_rows(self):
        """(X, Y, labels) of all the training rows (gathered from a file: a copy)."""
        if self.rows is None:
            return self.X, self.Y, self.labels
        labels = None if self.labels is None else self.labels[self.rows]
        return self.X[self.rows], None if self.Y is None else self.Y[self.rows], labels

    def sample(self):
        """(X, Y, labels) of training rows (all, or the first few of a file's), for the
        diagnostics and the target kind."""
        if self.rows is None:
            return self.X, self.Y, self.labels
        rows = self.rows[:SAMPLE_ROWS]
        labels = None if self.labels is None else self.labels[rows]
        return self.X[rows], None if self.Y is None else self.Y[rows], labels

    def non_finite(self, piece, name, row):
        if piece.origin is not None:
            row = int(piece.origin[row])
        return non_finite_error(self.originals[name], self.checked[name], name, row)


def _arrays(X, Y, options, net, rng):
    """The `_Arrays` source of fit's arrays (X, Y) and the validation (X, Y, labels,
    weights) or None."""
    originals = {"X": X, "Y": Y}
    # The core checks X and Y for inf and NaN as it reads them: no extra pass here.
    X, _ = as_inputs(X, net.sizes[0], net.dtype, allow_single=False, check_finite=False)
    # Class labels stay labels: the core writes each batch's one-hot rows from them.
    Y, labels = as_targets(
        Y,
        X.shape[0],
        net.sizes[-1],
        net.dtype,
        check_finite=False,
        cost=net.cost,
        one_hot=False,
    )
    weights = _training_weights(
        options["sample_weight"],
        options["class_weight"],
        labels,
        Y,
        X.shape[0],
        net.sizes[-1],
        net.dtype,
    )
    # a non-finite input is reported by its row in these, the user's rows as checked
    checked = {"X": X, "Y": Y}
    in_place = _mapped(X)
    X, Y, labels, weights, validation, rows = _hold_out(
        X,
        Y,
        labels,
        weights,
        options["validation_data"],
        options["validation_split"],
        net,
        rng,
        in_place=in_place,
    )
    if weights is not None:
        weights = mean_one_weights(weights, "the sample weights (with class weights)")
    source = _Arrays(
        X,
        Y,
        labels,
        weights,
        rows if in_place else None,
        None if in_place else rows,
        originals,
        checked,
        net.sizes[-1],
    )
    return source, validation


class _Stream(_Source):
    """A stream of ``(X, Y)`` or ``(X, Y, sample_weight)`` chunks: each chunk is checked
    as it comes, and `buffer` chunks at a time are one piece (the rows beyond its last
    full batch carry over to the next piece, so that batches are cut from the stream,
    not from its chunks)."""

    def __init__(self, source, epochs, net, options, buffer):
        if options["validation_split"] is not None:
            raise ValueError("validation_split needs arrays; give a stream validation_data")
        if isinstance(options["class_weight"], str):
            raise ValueError("class_weight='balanced' needs arrays; give a stream a dict")
        if options["sample_weight"] is not None:
            raise ValueError("a stream brings its sample weights in its chunks: (X, Y, w)")
        self.open: Callable[[], Iterator[Any]] | None
        if callable(source):
            self.open = lambda: iter(source())
            iterator = self.open()
        else:
            try:
                iterator = iter(source)
            except TypeError:
                raise TypeError(
                    "with Y omitted, X must be an iterable of (X, Y) chunks, got "
                    f"{type(source).__name__}"
                ) from None
            self.open = None if iterator is source else lambda: iter(source)
        if self.open is None and epochs > 1:
            raise _one_shot_error()
        self.net, self.options, self.buffer = net, options, buffer
        # the column names every chunk must have: the network's, else the first chunk's
        self.names: Any = _NOT_YET if net.feature_names is None else net.feature_names
        self.one_shot = iterator
        self.n: int | None = None
        self.first = self.check(next(iterator, None), 0)  # the first epoch's first chunk
        self.validation = (
            None
            if options["validation_data"] is None
            else check_validation_data(options["validation_data"], net)
        )

    def count(self) -> int:
        """The rows of the stream, counted in a pass over it."""
        if self.open is None:
            raise _one_shot_error()
        self.n = sum(self.check(chunk, i).X.shape[0] for i, chunk in enumerate(self.open()))
        return self.n

    def check(self, chunk, index):
        """Chunk number `index` as a piece, checked but for inf and NaN (the core's)."""
        if chunk is None and index == 0:
            raise ValueError("the stream gave no chunks")
        if not isinstance(chunk, (tuple, list)) or len(chunk) not in (2, 3):
            raise TypeError(
                f"with Y omitted, X is a stream of chunks; its chunk {index} must be a "
                f"pair (X, Y) or a triple (X, Y, sample_weight), got {type(chunk).__name__}"
            )
        net = self.net
        name = f"chunk {index}"
        given = feature_names(chunk[0])
        if self.names is _NOT_YET:  # the first chunk names the columns of a new network
            self.names = given
        else:
            check_feature_names(self.names, given, stacklevel=6, name=f"X of {name}")
        X, _ = as_inputs(
            chunk[0],
            net.sizes[0],
            net.dtype,
            name=f"X of {name}",
            allow_single=False,
            check_finite=False,
        )
        Y, labels = as_targets(
            chunk[1],
            X.shape[0],
            net.sizes[-1],
            net.dtype,
            name=f"Y of {name}",
            check_finite=False,
            cost=net.cost,
            one_hot=False,
        )
        given = chunk[2] if len(chunk) == 3 else None
        weights = _training_weights(
            given,
            self.options["class_weight"],
            labels,
            Y,
            X.shape[0],
            net.sizes[-1],
            net.dtype,
        )
        return _Piece(X, Y, labels, weights, [(index, chunk, X, Y, 0)])

    def chunks(self) -> Iterator[_Piece]:
        if self.first is not None:  # the first epoch goes on from the chunk read already
            first, self.first = self.first, None
            yield first
            iterator, start = self.one_shot, 1
        elif self.open is None:
            raise _one_shot_error()
        else:
            iterator, start = self.open(), 0
        for index, chunk in enumerate(iterator, start):
            yield self.check(chunk, index)

    def pieces(self, shuffle, rng, batch_size):
        gathered: list[_Piece] = []
        rows = 0
        for chunk in self.chunks():
            gathered.append(chunk)
            rows += chunk.X.shape[0]
            if len(gathered) >= self.buffer:
                piece, carried = _joined(gathered, rows - rows % batch_size)
                gathered, rows = carried, sum(c.X.shape[0] for c in carried)
                if piece is not None:
                    yield self.for_the_core(piece)
        last, _ = _joined(gathered, rows)
        if last is not None:
            yield self.for_the_core(last)

    def for_the_core(self, piece: _Piece) -> _Piece:
        weights = piece.weights
        if weights is not None:
            weights = mean_one_weights(weights, "the sample weights of a piece of the stream")
        Y, labels, weights = _core_arrays(
            piece.Y, piece.labels, weights, self.net.sizes[-1], piece.X.dtype
        )
        return _Piece(piece.X, Y, labels, weights, piece.origin)

    def non_finite(self, piece, name, row):
        for index, chunk, X, Y, offset in piece.origin:
            if row < X.shape[0]:
                checked = X if name == "X" else Y
                original = chunk[0] if name == "X" else chunk[1]
                error = non_finite_error(original, checked, name, offset + row)
                return ValueError(f"in chunk {index} of the stream: {error}")
            row -= X.shape[0]
        raise AssertionError("the row lies in the piece")


_NOT_YET = object()


def _joined(chunks: list[_Piece], rows: int) -> tuple[_Piece | None, list[_Piece]]:
    """The first `rows` rows of the chunks as one piece (None for none), and the rest
    as chunks. One chunk whole is itself: no copy."""
    if rows == 0:
        return None, chunks
    parts, rest, left = [], [], rows
    for chunk in chunks:
        m = chunk.X.shape[0]
        if left >= m:
            parts.append(chunk)
        elif left > 0:
            parts.append(_rows(chunk, 0, left))
            rest.append(_rows(chunk, left, m))
        else:
            rest.append(chunk)
        left -= min(left, m)
    if len(parts) == 1:
        return parts[0], rest
    kinds = {(p.Y is None, p.labels is None, p.weights is None) for p in parts}
    if len(kinds) > 1:
        raise ValueError(
            "the chunks of a stream must agree: all labels or all target rows, all with "
            "sample weights or none"
        )

    def joined(name):
        arrays = [getattr(p, name) for p in parts]
        if name == "X" and is_sparse(arrays[0]):
            import scipy.sparse

            return scipy.sparse.vstack(arrays, format="csr")
        return None if arrays[0] is None else np.concatenate(arrays)

    origin = [entry for p in parts for entry in p.origin]
    return _Piece(joined("X"), joined("Y"), joined("labels"), joined("weights"), origin), rest


def _rows(piece: _Piece, start: int, stop: int) -> _Piece:
    """Rows [start, stop) of a checked chunk."""
    ((index, chunk, X, Y, offset),) = piece.origin
    cut = slice(start, stop)

    def part(array):
        return None if array is None else array[cut]

    return _Piece(
        piece.X[cut],
        part(piece.Y),
        part(piece.labels),
        part(piece.weights),
        [(index, chunk, X[cut], part(Y), offset + start)],
    )


def array_like(X: Any) -> bool:
    """Whether X is one array (else, with Y omitted, fit reads it as a stream)."""
    names = ("__array__", "__array_interface__", "__dlpack__")
    return is_sparse(X) or any(hasattr(X, name) for name in names)


def _mapped(array: Any) -> bool:
    """Whether the array's memory is a file mapped into memory (a numpy.memmap or a view
    of one): its rows are then read where they lie, not copied."""
    while isinstance(array, np.ndarray):
        array = array.base
    return isinstance(array, mmap.mmap)


def _one_shot_error() -> TypeError:
    return TypeError(
        "fit goes over a stream once per epoch, and this one (an iterator, such as a "
        "generator) can be read only once: pass a list of chunks, a function that "
        "returns a new iterator of them, or an object with __iter__; or epochs=1"
    )


def _metric_names(labels, Y, validation):
    """The metrics that every epoch of a fit on (Y, labels) with `validation` records."""
    names = {"cost", "accuracy"} if _accuracy_mode(labels, Y) else {"cost"}
    return names | validation_metric_names(validation)


def validation_metric_names(validation: Any) -> set[str]:
    """The validation scores that every epoch records of `validation` (as
    check_validation_data returns it, or None)."""
    if validation is None:
        return set()
    _, Y_val, labels_val, _ = validation
    return {"val_cost", "val_accuracy"} if _accuracy_mode(labels_val, Y_val) else {"val_cost"}


def call_callbacks(callbacks: list[Any], method: str, net: Any, *arguments: Any) -> None:
    """Call each callback's `method` that it has, in order, with the network first."""
    for callback in callbacks:
        found = getattr(callback, method, None)
        if found is not None:
            found(net, *arguments)


def checked_callbacks(callbacks: Any) -> list[Any]:
    if callbacks is None:
        return []
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, typing.Iterable):
        raise TypeError(f"callbacks must be a list of callbacks, got {type(callbacks).__name__}")
    return list(callbacks)


def _checked_metrics(metrics: Any) -> dict[str, tuple[Callable[..., Any], bool]]:
    """fit's metrics by name: (a function of (y_true, y_pred) or a scikit-learn scorer,
    whether it is a scorer)."""
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"metrics must be a dict of names to functions, got {type(metrics).__name__}"
        )
    taken = set(History().as_dict()) | {"epochs", "epoch", "metrics"}
    for name in metrics:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"a metric's name must be a Python identifier, got {name!r}")
        if {name, f"val_{name}"} & taken:
            raise ValueError(f"the metric name {name!r} is History's own: choose another")
    return {name: _checked_metric(name, metric) for name, metric in metrics.items()}


def _checked_metric(name: str, metric: Any) -> tuple[Callable[..., Any], bool]:
    if isinstance(metric, str) or type(metric).__module__.startswith("sklearn."):
        from sklearn.metrics import get_scorer

        return get_scorer(metric), True  # a scorer's name, or a scorer object as it is
    if not callable(metric):
        raise TypeError(
            f"metric {name!r} must be a function of (y_true, y_pred) or a scikit-learn "
            f"scorer, got {type(metric).__name__}"
        )
    return metric, False


def _estimator_view(kind: str, outputs: NDArray[Any], predicted: NDArray[Any]) -> Any:
    """The network's predictions on the data a scikit-learn scorer is given, as an
    estimator: a classifier whose predict_proba is the outputs (with one output, the
    probability of class 1), or a regressor."""
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

    if kind == "real":

        class Regressor(RegressorMixin, BaseEstimator):
            def predict(self, X):
                return predicted

        return Regressor()

    class Classifier(ClassifierMixin, BaseEstimator):
        classes_ = np.arange(max(outputs.shape[1], 2))

        def predict(self, X):
            return predicted

        def predict_proba(self, X):
            if outputs.shape[1] == 1:
                return np.hstack([1 - outputs, outputs])
            return outputs

    return Classifier()


def _truth(Y, labels):
    """(the true values that fit's metrics receive, the kind of targets) of checked targets:
    class labels for classes, else the targets (one output: a 1-D array)."""
    kind = target_kind(Y, labels)
    if kind == "labels":
        return labels, kind
    if kind != "real":
        return predicted_classes(Y), kind
    return (Y[:, 0] if Y.shape[1] == 1 else Y), kind


# How the core counts right answers (see correct_rows in src_c/_core.pyx), by target kind.
_ACCURACY_MODES = {"labels": 1, "one_hot": 1, "binary": 2, "real": 0}


def _accuracy_mode(labels, Y):
    return _ACCURACY_MODES[target_kind(Y, labels)]


def _training_weights(sample_weight, class_weight, labels, Y, n, n_outputs, dtype):
    """Per-example weights from sample_weight and class_weight (multiplied), or None; each
    factor scaled by the weights' rule (scaled_weights), so the product cannot overflow."""
    weights = None
    if sample_weight is not None:
        weights = as_sample_weight(sample_weight, n, dtype)
    if class_weight is not None:
        per_class = _class_weights(class_weight, _class_labels(labels, Y), n_outputs)
        from_class = scaled_weights(per_class, dtype, "the class weights")[_class_labels(labels, Y)]
        weights = from_class if weights is None else weights * from_class
    return weights


def _class_labels(labels, Y):
    kind = target_kind(Y, labels)
    if kind == "labels":
        return labels
    if kind == "binary":
        return Y[:, 0].astype(np.intp)
    if kind == "one_hot":
        return Y.argmax(axis=1)
    raise ValueError(
        "class_weight needs class labels: integer labels, one-hot rows, or "
        "0/1 targets of a single output"
    )


def _class_weights(class_weight, labels, n_outputs):
    n_classes = max(n_outputs, 2)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be a dict or 'balanced', got {class_weight!r}")
        counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
        present = counts > 0
        result = np.ones(n_classes)
        result[present] = labels.size / (present.sum() * counts[present])
        return result
    if not isinstance(class_weight, dict):
        raise TypeError(
            f"class_weight must be a dict {{class: weight}} or 'balanced', got "
            f"{type(class_weight).__name__}"
        )
    result = np.ones(n_classes)
    for label, value in class_weight.items():
        label = check_int(label, "class_weight key")
        if not 0 <= label < n_classes:
            raise ValueError(f"class_weight key {label} is not a class in [0, {n_classes})")
        result[label] = check_number(value, f"class_weight[{label}]", minimum=0)
    return result


def _hold_out(
    X: NDArray[Any],
    Y: Any,
    labels: Any,
    weights: Any,
    validation_data: Any,
    validation_split: Any,
    net: Network,
    rng: np.random.Generator,
    in_place: bool = False,
) -> tuple[NDArray[Any], Any, Any, Any, Any, Any]:
    """(X, Y, labels, weights) to train on, the validation (X, Y, labels, weights) or None
    (held-out rows are not weighted), and the
    user's row of each training row (None: the same rows). `in_place` leaves X, Y and
    labels whole (the training rows are read where they lie, by that last list).

    Y, labels and weights are each an array or None (typed Any: fit's variables of those
    names first hold what the user passed)."""
    if validation_data is not None:
        if validation_split is not None:
            raise ValueError("give validation_data or validation_split, not both")
        return X, Y, labels, weights, check_validation_data(validation_data, net), None
    if validation_split is None:
        return X, Y, labels, weights, None, None
    fraction = check_number(validation_split, "validation_split", minimum=0)
    n_val = int(round(fraction * X.shape[0]))
    if not 0 < fraction < 1 or n_val < 1 or n_val >= X.shape[0]:
        raise ValueError(
            f"validation_split must leave at least one example on each side of "
            f"{X.shape[0]}: got {validation_split}"
        )
    order = rng.permutation(X.shape[0])
    train, val = np.sort(order[n_val:]), np.sort(order[:n_val])

    def rows(array, which):
        if array is None or is_sparse(array):  # a CSR matrix's rows are a CSR matrix
            return None if array is None else array[which]
        return np.ascontiguousarray(array[which])

    # the core checks the training rows as it reads them; the held-out ones are checked here
    X_val, _ = as_inputs(X[val], net.sizes[0], net.dtype, allow_single=False)
    Y_val, _ = as_targets(
        labels[val] if Y is None else Y[val], n_val, net.sizes[-1], net.dtype, one_hot=False
    )
    return (
        X if in_place else rows(X, train),
        Y if in_place else rows(Y, train),
        labels if in_place else rows(labels, train),
        rows(weights, train),
        (X_val, Y_val, rows(labels, val), None),
        train,
    )


def _divergence(net, epoch, batch, layer, lr):
    if layer < 0:  # the cost was finite: find the first layer whose parameters are not
        layer = next(
            (
                k
                for k, (w, b) in enumerate(zip(net.weights, net.biases))
                if not (np.isfinite(w).all() and np.isfinite(b).all())
            ),
            -1,
        )
    where = f" in mini-batch {batch}" if batch >= 0 else ""
    at = f"; non-finite values appeared first in layer {layer + 1}" if layer >= 0 else ""
    return DivergenceError(
        f"training diverged in epoch {epoch}{where}: the cost or the parameters became "
        f"non-finite{at}. The network keeps its parameters from before epoch {epoch}. "
        f"Try a smaller learning rate (this epoch's was {lr:g}).",
        epoch,
        batch if batch >= 0 else None,
        layer + 1 if layer >= 0 else None,
    )


def check_validation_data(validation_data, net):
    """The validation (X, Y, labels, weights or None) of fit's `validation_data`, checked."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise TypeError(
            "validation_data must be a pair (X_val, Y_val) or a triple "
            "(X_val, Y_val, sample_weight_val)"
        )
    X, _ = as_inputs(validation_data[0], net.sizes[0], net.dtype, name="X_val", allow_single=False)
    Y, labels = as_targets(
        validation_data[1],
        X.shape[0],
        net.sizes[-1],
        net.dtype,
        name="Y_val",
        cost=net.cost,
        one_hot=False,  # evaluate makes them a block at a time
    )
    weights = None
    if len(validation_data) == 3 and validation_data[2] is not None:
        weights = as_sample_weight(validation_data[2], X.shape[0], net.dtype, "sample_weight_val")
    return X, Y, labels, weights
