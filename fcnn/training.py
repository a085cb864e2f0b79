"""Training: `TrainingRun`, which owns one run of `Network.fit`, and its errors.

Each epoch is one call into the core, which shuffles, steps through every mini-batch and
updates the parameters in place without the GIL. Between epochs the run applies the
learning-rate schedule, scores the validation data, keeps the best parameters for early
stopping, and checks for divergence.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _compiled
from . import optimizers as _optimizers
from . import schedules as _schedules
from ._interrupts import held_interrupts
from ._validation import (
    as_inputs,
    as_sample_weight,
    as_targets,
    check_bool,
    check_dropout,
    check_hyperparameter,
    check_int,
    check_number,
    check_seed,
    core_rows,
    is_sparse,
    mean_one_weights,
    non_finite_error,
    scaled_weights,
    target_kind,
)
from .diagnostics import Diagnostics, check_kinds
from .history import History
from .progress import UPDATES_PER_EPOCH, EpochProgress

if TYPE_CHECKING:
    from .network import Network

__all__ = ["DivergenceError", "TrainingRun"]

Monitor: TypeAlias = Literal["val_cost", "val_accuracy", "cost"]
"""What early stopping watches."""
ScheduleName: TypeAlias = Literal["constant", "step", "exponential", "inverse_scaling", "plateau"]
"""The names `fcnn.schedules.get` takes."""
DiagnosticName: TypeAlias = Literal["grad_norm", "dead_units", "saturation"]
"""The per-layer diagnostics of `fcnn.diagnostics` (and "all" of them)."""


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
    any training; `run` then trusts the core: each epoch is one call into it.

    Parameters
    ----------
    net : Network
        The network to train, in place; the caller holds its lock.
    X : array_like, shape (n_samples, sizes[0])
        Training inputs, one row per example.
    Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,)
        Targets, or integer class labels.
    options : mapping of str to object
        Every keyword argument of `Network.fit`, by name, meaning what it means there:
        that signature is the one definition of the options and of their defaults.

    Raises
    ------
    TypeError, ValueError
        For an argument of the wrong type or value; see `Network.fit`.

    See Also
    --------
    Network.fit : What makes and runs one.
    """

    def __init__(self, net: Network, X: ArrayLike, Y: ArrayLike, options: Mapping[str, Any]):
        self.net = net
        self.internals = internals = net.internals
        self.original_X, self.original_Y = X, Y
        # The core checks X and Y for inf and NaN as it reads them: no extra pass here.
        X, _ = as_inputs(X, net.sizes[0], net.dtype, allow_single=False, check_finite=False)
        # Class labels stay labels: the core writes each batch's one-hot rows from them.
        Y, labels = as_targets(
            Y,
            X.shape[0],
            net.sizes[-1],
            net.dtype,
            check_finite=False,
            probabilities=net.cost.needs_probabilities,
            one_hot=False,
        )
        self.epochs = check_int(options["epochs"], "epochs", minimum=0)
        optimizer, lr = options["optimizer"], options["lr"]
        if optimizer is None and lr is None and net.optimizer is not None:
            optimizer = net.optimizer  # carry on with the last fit's optimizer and its state
        self.optimizer = optimizer = _optimizers.get(optimizer, lr)
        l1 = check_hyperparameter(options["l1"], "l1", dtype=net.dtype)
        l2 = check_hyperparameter(options["l2"], "l2", dtype=net.dtype)
        dropout = check_dropout(options["dropout"], len(net.sizes) - 2)
        self.schedule = _schedules.get(options["lr_schedule"])
        shuffle = check_bool(options["shuffle"], "shuffle")
        verbose = check_bool(options["verbose"], "verbose")
        kinds = check_kinds(options["diagnostics"])
        self.early_stopping = check_bool(options["early_stopping"], "early_stopping")
        self.patience = check_int(options["patience"], "patience", minimum=0)
        self.min_delta = check_number(options["min_delta"], "min_delta", minimum=0)
        self.monitor = monitor = options["monitor"]
        if monitor not in typing.get_args(Monitor):
            raise ValueError(
                f"monitor must be 'val_cost', 'val_accuracy' or 'cost', got {monitor!r}"
            )
        seed = options["seed"]
        rng = internals.rng if seed is None else np.random.default_rng(check_seed(seed))
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
        self.checked = {"X": X, "Y": Y}
        X, Y, labels, weights, self.validation, self.user_rows = _hold_out(
            X, Y, labels, weights, options["validation_data"], options["validation_split"], net, rng
        )
        if self.early_stopping and self.validation is None and monitor != "cost":
            raise ValueError(
                f"early_stopping on {monitor!r} needs validation_data or validation_split"
            )
        measured = _metric_names(labels, Y, self.validation)  # known now: fail before training
        if self.early_stopping and monitor not in measured:
            raise ValueError(
                f"early stopping monitors {monitor!r}, which this fit does not "
                f"measure (accuracy needs class labels): it measures {sorted(measured)}"
            )
        self.schedule.check_metrics(measured)
        self.n = n = X.shape[0]
        batch_size = options["batch_size"]
        self.batch_size = (
            n if batch_size is None else min(check_int(batch_size, "batch_size", 1), n)
        )
        if weights is not None:
            weights = mean_one_weights(weights, "the sample weights (with class weights)")
        internals.check_parameters_finite()

        optimizer.bind(internals.layout.n_params, net.dtype, net.sizes)
        net.optimizer = optimizer
        self.settings = optimizer.core_settings(
            l1=l1 / n,
            l2=l2 / n,
            dropout=dropout,
            has_prelu=any(f.learnable for f in net.activations),
        )
        self.workspace = internals.workspace(
            self.batch_size,
            training=True,
            n_rows=n if shuffle else 0,
            dropout=dropout > 0,
            sparse_nonzeros=_batch_nonzeros(X, self.batch_size) if shuffle else 0,
        )
        self.shuffle, self.verbose, self.rng = shuffle, verbose, rng
        # the core takes empty arrays for what this run does not have
        self.X = core_rows(X)
        self.Y = np.empty((0, net.sizes[-1]), dtype=net.dtype) if Y is None else Y
        self.labels = np.empty(0, dtype=np.intp) if labels is None else labels
        self.weights = np.empty(0, dtype=net.dtype) if weights is None else weights
        self.accuracy_mode = _accuracy_mode(labels, Y)
        # Y holds the checked targets (an array or None) here, under the user's name
        self.diagnostics = Diagnostics(net, X, Y, labels, kinds) if kinds else None  # type: ignore[arg-type]
        n_batches = -(-n // self.batch_size)
        self.progress_every = max(1, n_batches // UPDATES_PER_EPOCH) if verbose else 0
        states = optimizer.states
        self.optimizer_states = states + [np.zeros(1, dtype=net.dtype)] * (2 - len(states))
        self.live = [internals.theta] + states
        self.snapshot = [array.copy() for array in self.live]

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
        try:
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
        best = None
        self.schedule.reset()
        progress = None
        unfinished = False
        try:
            for epoch in range(self.epochs):
                settings.lr = check_hyperparameter(
                    self.schedule.lr(epoch, optimizer.lr),
                    f"the lr_schedule's lr for epoch {epoch + 1}",
                    dtype=self.net.dtype,
                )
                for saved, live in zip(self.snapshot, self.live):
                    np.copyto(saved, live)
                self.rng_state = self.rng.bit_generator.state
                unfinished = True  # the state may no longer be that of a recorded epoch
                progress = EpochProgress(epoch + 1, self.epochs, self.n) if self.verbose else None
                started = time.perf_counter()
                cost, accuracy, stop = _compiled.core.train_epoch(
                    self.internals.layout,
                    settings,
                    self.workspace,
                    theta,
                    self.X,
                    self.Y,
                    self.labels,
                    self.weights,
                    *self.optimizer_states,
                    self.batch_size,
                    self.shuffle,
                    int(self.rng.integers(2**63)),
                    self.accuracy_mode,
                    None if progress is None else progress.update,
                    self.progress_every,
                )
                seconds = time.perf_counter() - started
                if stop is not None and stop[0] == "input":  # (the epoch is undone below)
                    name, row = stop[1:]
                    original = self.original_X if name == "X" else self.original_Y
                    if self.user_rows is not None:
                        row = int(self.user_rows[row])
                    raise non_finite_error(original, self.checked[name], name, row)
                if stop is not None or not np.isfinite(theta).all():
                    batch, layer = stop[1:] if stop is not None else (-1, -1)
                    raise _divergence(self.net, epoch + 1, batch, layer, settings.lr)

                metrics = {"cost": cost}
                if self.accuracy_mode:
                    metrics["accuracy"] = accuracy
                if self.validation is not None:
                    scores = self.internals.evaluate(*self.validation)
                    metrics.update({f"val_{key}": value for key, value in scores.items()})
                stopping = False
                with held_interrupts():  # the epoch is recorded whole, or undone
                    optimizer.t = settings.t
                    history.record(metrics, seconds=seconds, samples=self.n, lr=settings.lr)
                    if self.diagnostics is not None:
                        self.diagnostics.record(history)
                    if self.early_stopping:  # `monitor` is among the metrics: checked when made
                        value = metrics[self.monitor]
                        value = -value if self.monitor == "val_accuracy" else value
                        if best is None or value < best[0] - self.min_delta:
                            best = (value, epoch, theta.copy())
                        elif epoch - best[1] >= self.patience:
                            history.stopped_epoch = epoch + 1
                            stopping = True
                    unfinished = False
                self.schedule.observe(epoch, metrics)
                if progress is not None:
                    progress.close(history.describe_last())
                    progress = None
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
                np.copyto(theta, best[2])
                history.best_epoch = best[1] + 1
        return history

    def _undo_epoch(self) -> None:
        """Back to the parameters, optimizer state and generator of the last finished
        epoch (its step count and history are recorded only when it finishes)."""
        with held_interrupts():
            for saved, live in zip(self.snapshot, self.live):
                np.copyto(live, saved)
            self.rng.bit_generator.state = self.rng_state


def _batch_nonzeros(X, batch_size):
    """For CSR rows, the most nonzeros that batch_size of them hold (room to gather a
    shuffled batch); 0 for dense rows."""
    if not is_sparse(X):
        return 0
    per_row = np.diff(X.indptr)
    return max(1, int(np.sum(np.partition(per_row, -batch_size)[-batch_size:])))


def _metric_names(labels, Y, validation):
    """The metrics that every epoch of a fit on (Y, labels) with `validation` records."""
    names = {"cost", "accuracy"} if _accuracy_mode(labels, Y) else {"cost"}
    if validation is not None:
        _, Y_val, labels_val = validation
        names |= {"val_cost"}
        if _accuracy_mode(labels_val, Y_val):
            names |= {"val_accuracy"}
    return names


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
) -> tuple[NDArray[Any], Any, Any, Any, Any, Any]:
    """(X, Y, labels, weights) to train on, the validation (X, Y, labels) or None, and the
    user's row of each training row (None: the same rows).

    Y, labels and weights are each an array or None (typed Any: fit's variables of those
    names first hold what the user passed)."""
    if validation_data is not None:
        if validation_split is not None:
            raise ValueError("give validation_data or validation_split, not both")
        return X, Y, labels, weights, _check_validation_data(validation_data, net), None
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
    Y_val, _ = as_targets(labels[val] if Y is None else Y[val], n_val, net.sizes[-1], net.dtype)
    return (
        rows(X, train),
        rows(Y, train),
        rows(labels, train),
        rows(weights, train),
        (X_val, Y_val, rows(labels, val)),
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


def _check_validation_data(validation_data, net):
    """The validation (X, Y, labels) of fit's `validation_data`, checked."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError("validation_data must be a pair (X_val, Y_val)")
    X, _ = as_inputs(validation_data[0], net.sizes[0], net.dtype, name="X_val", allow_single=False)
    Y, labels = as_targets(
        validation_data[1],
        X.shape[0],
        net.sizes[-1],
        net.dtype,
        name="Y_val",
        probabilities=net.cost.needs_probabilities,
    )
    return X, Y, labels
