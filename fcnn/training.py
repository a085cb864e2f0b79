"""The epoch loop of `Network.fit`: everything that happens between calls into the core.

Each epoch is one call into the core, which shuffles, steps through every mini-batch and
updates the parameters in place without the GIL. Between epochs this module applies the
learning-rate schedule, scores the validation data, keeps the best parameters for early
stopping, and checks for divergence.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import optimizers as _optimizers
from . import schedules as _schedules
from ._compiled import core as _core
from ._validation import (
    as_inputs,
    as_sample_weight,
    as_targets,
    check_bool,
    check_int,
    check_number,
    check_seed,
    raise_non_finite,
)
from .diagnostics import Diagnostics, check_kinds
from .history import History
from .progress import UPDATES_PER_EPOCH, EpochProgress

if TYPE_CHECKING:
    from .network import Network
    from .optimizers import Optimizer
    from .schedules import Schedule

__all__ = ["DivergenceError", "fit"]

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


def fit(
    net: Network,
    X: ArrayLike,
    Y: ArrayLike,
    *,
    epochs: int,
    batch_size: int | None,
    lr: float | None,
    optimizer: Optimizer | None,
    l1: float,
    l2: float,
    dropout: float,
    lr_schedule: ScheduleName | Schedule | None,
    early_stopping: bool,
    patience: int,
    min_delta: float,
    monitor: Monitor,
    validation_data: tuple[ArrayLike, ArrayLike] | None,
    validation_split: float | None,
    sample_weight: ArrayLike | None,
    class_weight: dict[int, float] | Literal["balanced"] | None,
    shuffle: bool,
    seed: int | np.random.Generator | None,
    verbose: bool,
    diagnostics: Literal["all"] | DiagnosticName | Sequence[DiagnosticName] | None = None,
) -> History:
    """Train `net` by mini-batch gradient descent: the body of `Network.fit`.

    `Network.fit` calls this holding the network's lock, with its defaults filled in;
    call that instead. Every argument means what it means there, and each is required
    here (but `diagnostics`).

    Parameters
    ----------
    net : Network
        The network to train, in place.
    X : array_like, shape (n_samples, sizes[0])
        Training inputs, one row per example.
    Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,)
        Targets, or integer class labels.
    epochs : int
        As in `Network.fit`.
    batch_size : int or None
        As in `Network.fit`.
    lr : float or None
        As in `Network.fit`.
    optimizer : Optimizer or None
        As in `Network.fit`.
    l1, l2 : float
        As in `Network.fit`.
    dropout : float
        As in `Network.fit`.
    lr_schedule : str, Schedule or None
        As in `Network.fit`.
    early_stopping : bool
        As in `Network.fit`.
    patience : int
        As in `Network.fit`.
    min_delta : float
        As in `Network.fit`.
    monitor : {"val_cost", "val_accuracy", "cost"}
        As in `Network.fit`.
    validation_data : tuple of (array_like, array_like) or None
        As in `Network.fit`.
    validation_split : float or None
        As in `Network.fit`.
    sample_weight : array_like, shape (n_samples,), or None
        As in `Network.fit`.
    class_weight : dict of int to float, "balanced" or None
        As in `Network.fit`.
    shuffle : bool
        As in `Network.fit`.
    seed : int, numpy.random.Generator or None
        As in `Network.fit`.
    verbose : bool
        As in `Network.fit`.
    diagnostics : str, sequence of str or None, default None
        As in `Network.fit`.

    Returns
    -------
    History
        The per-epoch records.

    Raises
    ------
    DivergenceError
        If the cost or a parameter becomes non-finite.
    TypeError, ValueError
        For an argument of the wrong type or value, before any training; see
        `Network.fit`.

    See Also
    --------
    Network.fit : The method to call.
    """
    original_X, original_Y = X, Y
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
    epochs = check_int(epochs, "epochs", minimum=0)
    if optimizer is None and lr is None and net.optimizer is not None:
        optimizer = net.optimizer  # carry on with the last fit's optimizer and its state
    optimizer = _optimizers.get(optimizer, lr)
    l1 = check_number(l1, "l1", minimum=0)
    l2 = check_number(l2, "l2", minimum=0)
    dropout = check_number(dropout, "dropout", minimum=0)
    if dropout >= 1:
        raise ValueError(f"dropout is a probability of dropping a unit, in [0, 1); got {dropout}")
    if dropout > 0 and len(net.sizes) < 3:
        raise ValueError("dropout acts on hidden layers, and this network has none")
    schedule = _schedules.get(lr_schedule)
    shuffle = check_bool(shuffle, "shuffle")
    verbose = check_bool(verbose, "verbose")
    kinds = check_kinds(diagnostics)
    early_stopping = check_bool(early_stopping, "early_stopping")
    patience = check_int(patience, "patience", minimum=0)
    min_delta = check_number(min_delta, "min_delta", minimum=0)
    if monitor not in ("val_cost", "val_accuracy", "cost"):
        raise ValueError(f"monitor must be 'val_cost', 'val_accuracy' or 'cost', got {monitor!r}")
    rng = net._rng if seed is None else np.random.default_rng(check_seed(seed))
    weights = _training_weights(
        sample_weight, class_weight, labels, Y, X.shape[0], net.sizes[-1], net.dtype
    )

    X, Y, labels, weights, validation = _hold_out(
        X, Y, labels, weights, validation_data, validation_split, net, rng
    )
    if early_stopping and validation is None and monitor != "cost":
        raise ValueError(f"early_stopping on {monitor!r} needs validation_data or validation_split")
    measured = _metric_names(labels, Y, validation)  # known now: fail before any training
    if early_stopping and monitor not in measured:
        raise ValueError(
            f"early stopping monitors {monitor!r}, which this fit does not "
            f"measure (accuracy needs class labels): it measures {sorted(measured)}"
        )
    schedule.check_metrics(measured)
    n = X.shape[0]
    batch_size = n if batch_size is None else min(check_int(batch_size, "batch_size", 1), n)
    if weights is not None:
        weights = weights / weights.mean()  # a weighted average over the whole training set
    net._check_parameters_finite()

    optimizer.bind(net._layout.n_params, net.dtype, net.sizes)
    net.optimizer = optimizer
    states = optimizer.states + [np.zeros(1, dtype=net.dtype)] * (2 - len(optimizer.states))
    hyper = optimizer.hyperparameters()
    training = _core.Training(
        optimizer.code,
        lr=optimizer.lr,
        momentum=hyper.get("momentum", 0.0),
        nesterov=hyper.get("nesterov", False),
        beta1=hyper.get("beta1", 0.9),
        beta2=hyper.get("beta2", 0.999),
        rho=hyper.get("rho", 0.9),
        eps=hyper.get("eps", 1e-8),
        weight_decay=hyper.get("weight_decay", 0.0),
        decoupled=getattr(optimizer, "decoupled", False),
        t=optimizer.t,
        l1=l1 / n,
        l2=l2 / n,
        dropout=dropout,
        has_prelu=any(f.learnable for f in net.activations),
    )
    workspace = net._workspace(
        batch_size, training=True, n_rows=n if shuffle else 0, dropout=dropout > 0
    )
    no_weights = np.empty(0, dtype=net.dtype)
    no_labels = np.empty(0, dtype=np.intp)
    no_targets = np.empty((0, net.sizes[-1]), dtype=net.dtype)
    accuracy_mode = _accuracy_mode(labels, Y)
    # Y holds the checked targets (an array or None) from here on, under the user's name
    monitor_layers = Diagnostics(net, X, Y, labels, kinds) if kinds else None  # type: ignore[arg-type]
    n_batches = -(-n // batch_size)
    progress_every = max(1, n_batches // UPDATES_PER_EPOCH) if verbose else 0
    snapshot = [net._theta.copy()] + [s.copy() for s in optimizer.states]
    best = None
    schedule.reset()
    history = History()

    progress = None
    unfinished = False
    try:
        for epoch in range(epochs):
            training.lr = check_number(
                schedule.lr(epoch, optimizer.lr),
                f"the lr_schedule's lr for epoch {epoch + 1}",
                minimum=0,
            )
            for saved, live in zip(snapshot, [net._theta] + optimizer.states):
                np.copyto(saved, live)
            unfinished = True  # the parameters are no longer those of a recorded epoch
            progress = EpochProgress(epoch + 1, epochs, n) if verbose else None
            started = time.perf_counter()
            cost, accuracy, stop = _core.train_epoch(
                net._layout,
                training,
                workspace,
                net._theta,
                X,
                no_targets if Y is None else Y,
                no_labels if labels is None else labels,
                no_weights if weights is None else weights,
                states[0],
                states[1],
                batch_size,
                shuffle,
                int(rng.integers(2**63)),
                accuracy_mode,
                None if progress is None else progress.update,
                progress_every,
            )
            seconds = time.perf_counter() - started
            if stop is not None and stop[0] == "input":
                _restore(net, optimizer, snapshot)
                name = stop[1]
                raise_non_finite(
                    (original_X if name == "X" else original_Y), (X if name == "X" else Y), name
                )
            if stop is not None or not np.isfinite(net._theta).all():
                batch, layer = stop[1:] if stop is not None else (-1, -1)
                error = _divergence(net, epoch + 1, batch, layer, training.lr)
                _restore(net, optimizer, snapshot)
                raise error
            optimizer.t = training.t

            metrics = {"cost": cost}
            if accuracy_mode:
                metrics["accuracy"] = accuracy
            if validation is not None:
                scores = net._evaluate(*validation)
                metrics.update({f"val_{key}": value for key, value in scores.items()})
            history.record(metrics, seconds=seconds, samples=n, lr=training.lr)
            unfinished = False
            if monitor_layers is not None:
                monitor_layers.record(history)
            schedule.observe(epoch, metrics)
            if progress is not None:
                progress.close(history.describe_last())
                progress = None
            if early_stopping:  # `monitor` is among the metrics: checked before training
                value = metrics[monitor] if monitor != "val_accuracy" else -metrics[monitor]
                if best is None or value < best[0] - min_delta:
                    best = (value, epoch, net._theta.copy())
                elif epoch - best[1] >= patience:
                    history.stopped_epoch = epoch + 1
                    break
    except BaseException as stopped:  # e.g. KeyboardInterrupt, from the progress callback
        if unfinished:
            _restore(net, optimizer, snapshot)
        if progress is not None:
            progress.interrupt()  # else the bar may be drawn again after the user's output
        if isinstance(stopped, KeyboardInterrupt):
            stopped.history = history  # type: ignore[attr-defined]
        raise
    if best is not None:
        np.copyto(net._theta, best[2])
        history.best_epoch = best[1] + 1
    return history


def _metric_names(labels, Y, validation):
    """The metrics that every epoch of a fit on (Y, labels) with `validation` records."""
    names = {"cost", "accuracy"} if _accuracy_mode(labels, Y) else {"cost"}
    if validation is not None:
        _, Y_val, labels_val = validation
        names |= {"val_cost"}
        if _accuracy_mode(labels_val, Y_val):
            names |= {"val_accuracy"}
    return names


def _accuracy_mode(labels, Y):
    """How the core counts right answers (see correct_rows in src_c/_core.pyx): 1 for
    labels or one-hot rows, 2 for one 0/1 output, 0 when Y holds no classes."""
    if labels is not None:
        return 1
    if not np.isin(Y, (0, 1)).all():
        return 0
    if Y.shape[1] == 1:
        return 2
    return 1 if (Y.sum(axis=1) == 1).all() else 0


def _training_weights(sample_weight, class_weight, labels, Y, n, n_outputs, dtype):
    """Per-example weights from sample_weight and class_weight (multiplied), or None."""
    weights = None
    if sample_weight is not None:
        weights = as_sample_weight(sample_weight, n, dtype)
    if class_weight is not None:
        per_class = _class_weights(class_weight, _class_labels(labels, Y), n_outputs)
        from_class = per_class[_class_labels(labels, Y)].astype(dtype)
        weights = from_class if weights is None else weights * from_class
    if weights is not None and not weights.sum() > 0:
        raise ValueError("sample weights (with class weights) must not all be zero")
    return weights


def _class_labels(labels, Y):
    if labels is not None:
        return labels
    if Y.shape[1] == 1 and np.isin(Y, (0, 1)).all():
        return Y[:, 0].astype(np.intp)
    if np.isin(Y, (0, 1)).all() and (Y.sum(axis=1) == 1).all():
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
) -> tuple[NDArray[Any], Any, Any, Any, Any]:
    """(X, Y, labels, weights) to train on and the validation (X, Y, labels) or None.

    Y, labels and weights are each an array or None (typed Any: fit's variables of those
    names first hold what the user passed)."""
    if validation_data is not None:
        if validation_split is not None:
            raise ValueError("give validation_data or validation_split, not both")
        return X, Y, labels, weights, net._check_validation_data(validation_data)
    if validation_split is None:
        return X, Y, labels, weights, None
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
        return None if array is None else np.ascontiguousarray(array[which])

    # the core checks the training rows as it reads them; the held-out ones are checked here
    X_val, _ = as_inputs(X[val], net.sizes[0], net.dtype, allow_single=False)
    Y_val, _ = as_targets(labels[val] if Y is None else Y[val], n_val, net.sizes[-1], net.dtype)
    return (
        rows(X, train),
        rows(Y, train),
        rows(labels, train),
        rows(weights, train),
        (X_val, Y_val, rows(labels, val)),
    )


def _restore(net, optimizer, snapshot):
    for saved, live in zip(snapshot, [net._theta] + optimizer.states):
        np.copyto(live, saved)


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
