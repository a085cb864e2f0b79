"""What `Network.fit` records, epoch by epoch."""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["History"]

_SCORES = ("cost", "accuracy", "val_cost", "val_accuracy")
_PER_LAYER = ("grad_norm_w", "grad_norm_b", "dead_units", "saturation")
# The metric that says most about a fit, first; and whether more of it is better.
_BEST_BY = (("val_accuracy", max), ("val_cost", min), ("accuracy", max), ("cost", min))
_HTML_ROWS = 20  # a longer History shows its first and last ten epochs


class History:
    """Per-epoch records of a `Network.fit`.

    `Network.fit` returns one; each list holds one entry per epoch trained, in order.
    Lists of metrics that a fit does not measure stay empty.

    Attributes
    ----------
    cost : list of float
        Mean running cost of each training epoch: each example's cost taken just before
        the update that used it, sample-weighted, without the l1/l2 terms.
    accuracy : list of float
        Running accuracy of each training epoch, taken the same way; only for
        classification (integer labels, one-hot rows or one 0/1 output).
    val_cost : list of float
        Cost on the validation data after each epoch, when there is validation data.
    val_accuracy : list of float
        Accuracy on the validation data after each epoch, for classification.
    metrics : dict of str to list of float
        The values of fit's `metrics` after each epoch, by their recorded names ("val_f1"
        on the validation data, "f1" on the training data); each is also an attribute
        of that name (``history.val_f1``).
    lr : list of float
        The learning rate of each epoch (after the learning-rate schedule).
    seconds : list of float
        Wall time of each training epoch in the core.
    samples_per_second : list of float
        Training examples per second of each epoch.
    best_epoch : int or None
        With early stopping: the 1-based epoch of this History (of the fit that
        recorded it) of the best monitored value, whose parameters were kept (unless
        fit's restore_best=False), else None.
    stopped_epoch : int or None
        The 1-based epoch of this History after which early stopping or a callback
        stopped training, or None when it ran all epochs.
    grad_norm_w, grad_norm_b : list of list of float
        With ``diagnostics`` "grad_norm": per epoch, the norm ``||dC/dw^l||`` (BP4)
        and ``||dC/db^l||`` (BP3) of each layer l = 1..L, of the mean data cost.
    dead_units : list of list of float or None
        With ``diagnostics`` "dead_units": per epoch and layer, the fraction of a
        relu-type layer's units with z <= 0 for every example (None for other layers).
    saturation : list of list of float or None
        With ``diagnostics`` "saturation": per epoch and layer, the fraction of
        (example, unit) pairs of a sigmoid or tanh layer with ``|z| > 4`` (None for other
        layers).

    See Also
    --------
    Network.fit : Trains and returns a History.
    fcnn.diagnostics : What the diagnostics measure.

    Examples
    --------
    >>> import fcnn
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 4, 2], "sigmoid", "quadratic", seed=0)
    >>> history = net.fit(X, y, epochs=3, batch_size=4, lr=3.0)
    >>> history.epochs
    3
    >>> [round(cost, 4) for cost in history.cost]
    [0.3337, 0.3116, 0.2923]
    >>> history.accuracy, history.lr
    ([0.5, 0.5, 0.5], [3.0, 3.0, 3.0])
    """

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.accuracy: list[float] = []
        self.val_cost: list[float] = []
        self.val_accuracy: list[float] = []
        self.metrics: dict[str, list[float]] = {}
        self.lr: list[float] = []
        self.seconds: list[float] = []
        self.samples_per_second: list[float] = []
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.grad_norm_w: list[list[float]] = []
        self.grad_norm_b: list[list[float]] = []
        self.dead_units: list[list[float | None]] = []
        self.saturation: list[list[float | None]] = []

    def record(self, metrics: dict[str, float], *, seconds: float, samples: int, lr: float) -> None:
        """Append one epoch's figures.

        Parameters
        ----------
        metrics : dict of str to float
            ``{"cost": ...}`` and, when measured, "accuracy", "val_cost",
            "val_accuracy" and the values of fit's `metrics` by their recorded names.
        seconds : float
            The epoch's wall time.
        samples : int
            The number of training examples the epoch visited.
        lr : float
            The epoch's learning rate.
        """
        self.cost.append(metrics["cost"])
        for key, value in metrics.items():
            if key in _SCORES[1:]:
                getattr(self, key).append(value)
            elif key != "cost":
                self.metrics.setdefault(key, []).append(value)
        self.lr.append(lr)
        self.seconds.append(seconds)
        self.samples_per_second.append(samples / seconds if seconds > 0 else float("inf"))

    def __getattr__(self, name: str) -> list[float]:
        """A metric of fit's `metrics` by its recorded name, as ``history.val_f1``."""
        metrics = self.__dict__.get("metrics", {})
        if name in metrics:
            return metrics[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def epochs(self) -> int:
        """The number of epochs recorded."""
        return len(self.cost)

    def as_dict(self) -> dict[str, Any]:
        """Every record as plain lists and numbers (copies), e.g. for JSON or pandas.

        Returns
        -------
        dict
            The keys "cost", "accuracy", "val_cost", "val_accuracy", "metrics" (a dict of
            lists), "lr", "seconds", "samples_per_second", "best_epoch",
            "stopped_epoch", "grad_norm_w", "grad_norm_b", "dead_units" and
            "saturation", each the attribute of that name.

        Examples
        --------
        >>> import fcnn
        >>> X, y = fcnn.datasets.xor()
        >>> net = fcnn.Network([2, 4, 2], seed=0)
        >>> record = net.fit(X, y, epochs=2, lr=1.0).as_dict()
        >>> len(record["cost"]), record["val_cost"], record["best_epoch"]
        (2, [], None)
        """
        return {
            "cost": list(self.cost),
            "accuracy": list(self.accuracy),
            "val_cost": list(self.val_cost),
            "val_accuracy": list(self.val_accuracy),
            "metrics": {name: list(values) for name, values in self.metrics.items()},
            "lr": list(self.lr),
            "seconds": list(self.seconds),
            "samples_per_second": list(self.samples_per_second),
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "grad_norm_w": list(self.grad_norm_w),
            "grad_norm_b": list(self.grad_norm_b),
            "dead_units": list(self.dead_units),
            "saturation": list(self.saturation),
        }

    def describe_last(self) -> str:
        """The last epoch's figures in one line, as ``fit(verbose=True)`` prints them.

        Returns
        -------
        str
            Cost, accuracy, validation scores and fit's metrics where measured, learning
            rate, seconds and samples per second.

        Raises
        ------
        IndexError
            If no epoch was recorded.

        Examples
        --------
        >>> import fcnn
        >>> X, y = fcnn.datasets.xor()
        >>> history = fcnn.Network([2, 4, 2], seed=0).fit(X, y, epochs=2, lr=1.0)
        >>> print(history.describe_last())  # doctest: +ELLIPSIS
        cost ...
        """
        epoch = self.epochs
        parts = [f"cost {self.cost[-1]:.6g}"]
        if len(self.accuracy) == epoch:
            parts.append(f"accuracy {self.accuracy[-1]:.4f}")
        if len(self.val_cost) == epoch:
            parts.append(f"val_cost {self.val_cost[-1]:.6g}")
        if len(self.val_accuracy) == epoch:
            parts.append(f"val_accuracy {self.val_accuracy[-1]:.4f}")
        parts += [f"{name} {values[-1]:.6g}" for name, values in self.metrics.items()]
        parts.append(f"lr {self.lr[-1]:g}")
        parts.append(f"{self.seconds[-1]:.2f} s ({self.samples_per_second[-1]:,.0f} samples/s)")
        return "  ".join(parts)

    def plot(self, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Figure:
        """Plot the learning curves (needs the extra ``fcnn[plot]``).

        Parameters
        ----------
        path : str, os.PathLike or None, default None
            Write the figure to this PNG file; None shows it on an interactive backend.
        **kwargs
            Passed on to `fcnn.plotting.plot_history` (``title``).

        Returns
        -------
        matplotlib.figure.Figure
            The figure: cost per epoch, and accuracy and fit's metrics when recorded.

        Raises
        ------
        ImportError
            If matplotlib is not installed.

        See Also
        --------
        fcnn.plotting.plot_history : The function this calls.

        Examples
        --------
        >>> import os, tempfile
        >>> import fcnn
        >>> X, y = fcnn.datasets.xor()
        >>> history = fcnn.Network([2, 4, 2], seed=0).fit(X, y, epochs=2, lr=1.0)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     figure = history.plot(os.path.join(folder, "history.png"))
        >>> type(figure).__name__
        'Figure'
        """
        from .plotting import plot_history

        return plot_history(self, path, **kwargs)

    def plot_gradients(self, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Figure:
        """Plot the per-layer gradient norms per epoch (needs the extra ``fcnn[plot]``).

        Parameters
        ----------
        path : str, os.PathLike or None, default None
            Write the figure to this PNG file; None shows it on an interactive backend.
        **kwargs
            Passed on to `fcnn.plotting.plot_gradients` (``title``).

        Returns
        -------
        matplotlib.figure.Figure
            ``||dC/db^l||`` and ``||dC/dw^l||`` per layer on a log scale, and the fractions of
            dead or saturated units when recorded.

        Raises
        ------
        ValueError
            If the fit recorded no per-layer diagnostics (fit with
            ``diagnostics="grad_norm"`` or ``"all"``).
        ImportError
            If matplotlib is not installed.

        See Also
        --------
        fcnn.plotting.plot_gradients : The function this calls.

        Examples
        --------
        >>> import os, tempfile
        >>> import fcnn
        >>> X, y = fcnn.datasets.xor()
        >>> net = fcnn.Network([2, 4, 2], seed=0)
        >>> history = net.fit(X, y, epochs=2, lr=1.0, diagnostics="grad_norm")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     figure = history.plot_gradients(os.path.join(folder, "gradients.png"))
        >>> len(history.grad_norm_w), len(history.grad_norm_w[0])
        (2, 2)
        """
        from .plotting import plot_gradients

        return plot_gradients(self, path, **kwargs)

    def _best(self):
        """(metric, value, 1-based epoch) of the best epoch by the most telling metric."""
        for name, pick in _BEST_BY:
            values = getattr(self, name)
            if values:
                value = pick(values)
                return name, value, values.index(value) + 1
        return None

    def __repr__(self):
        if not self.epochs:
            return "History(epochs=0)"
        recorded = [name for name in _SCORES if getattr(self, name)] + list(self.metrics)
        recorded += [name for name in _PER_LAYER if getattr(self, name)]
        name, value, epoch = self._best()
        return (
            f"History(epochs={self.epochs}, metrics=[{', '.join(recorded)}], "
            f"best {name} {value:.4g} at epoch {epoch})"
        )

    def _repr_html_(self):
        """Jupyter's view: a table of the epochs by their metrics."""
        columns = [name for name in _SCORES if getattr(self, name)] + list(self.metrics)
        columns += ["lr", "seconds"]
        epochs: list[int | None] = list(range(self.epochs))
        if len(epochs) > _HTML_ROWS:
            half = _HTML_ROWS // 2
            epochs = epochs[:half] + [None] + epochs[-half:]
        rows = [_html_row(["epoch", *columns], "th")]
        for epoch in epochs:
            if epoch is None:
                rows.append(_html_row(["..."] * (len(columns) + 1)))
            else:
                values = [f"{getattr(self, name)[epoch]:.6g}" for name in columns]
                rows.append(_html_row([str(epoch + 1), *values]))
        return "<table>\n" + "\n".join(rows) + "\n</table>"


def _html_row(cells, tag="td"):
    return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"
