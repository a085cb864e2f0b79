"""What `Network.fit` records, epoch by epoch."""

import html

__all__ = ["History"]

_SCORES = ("cost", "accuracy", "val_cost", "val_accuracy")
_PER_LAYER = ("grad_norm_w", "grad_norm_b", "dead_units", "saturation")
# The metric that says most about a fit, first; and whether more of it is better.
_BEST_BY = (("val_accuracy", max), ("val_cost", min), ("accuracy", max), ("cost", min))
_HTML_ROWS = 20  # a longer History shows its first and last ten epochs


class History:
    """Per-epoch records of a `fit`.

    cost            mean running cost of each training epoch (each example's cost taken
                    just before the update that used it; sample-weighted; without the
                    l1/l2 terms)
    accuracy        running accuracy of each training epoch, taken the same way (for
                    classification: integer labels, one-hot rows or one 0/1 output)
    val_cost        cost on the validation data after each epoch (when there is some)
    val_accuracy    accuracy on the validation data after each epoch (for classification)
    lr              the learning rate of each epoch
    seconds         wall time of each training epoch in the core
    samples_per_second
    best_epoch      with early stopping: the 1-based epoch whose parameters were kept
    stopped_epoch   with early stopping: the epoch after which training stopped, or None
    """

    def __init__(self):
        self.cost = []
        self.accuracy = []
        self.val_cost = []
        self.val_accuracy = []
        self.lr = []
        self.seconds = []
        self.samples_per_second = []
        self.best_epoch = None
        self.stopped_epoch = None
        self.grad_norm_w = []
        self.grad_norm_b = []
        self.dead_units = []
        self.saturation = []

    def record(self, metrics, *, seconds, samples, lr):
        """metrics: {"cost": ..., and "accuracy", "val_cost", "val_accuracy" when
        measured}."""
        self.cost.append(metrics["cost"])
        for key in ("accuracy", "val_cost", "val_accuracy"):
            if key in metrics:
                getattr(self, key).append(metrics[key])
        self.lr.append(lr)
        self.seconds.append(seconds)
        self.samples_per_second.append(samples / seconds if seconds > 0 else float("inf"))

    @property
    def epochs(self):
        return len(self.cost)

    def as_dict(self):
        return {
            "cost": list(self.cost),
            "accuracy": list(self.accuracy),
            "val_cost": list(self.val_cost),
            "val_accuracy": list(self.val_accuracy),
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

    def describe_last(self):
        """The last epoch's figures in one line, as fit(verbose=True) prints them."""
        epoch = self.epochs
        parts = [f"cost {self.cost[-1]:.6g}"]
        if len(self.accuracy) == epoch:
            parts.append(f"accuracy {self.accuracy[-1]:.4f}")
        if len(self.val_cost) == epoch:
            parts.append(f"val_cost {self.val_cost[-1]:.6g}")
        if len(self.val_accuracy) == epoch:
            parts.append(f"val_accuracy {self.val_accuracy[-1]:.4f}")
        parts.append(f"lr {self.lr[-1]:g}")
        parts.append(f"{self.seconds[-1]:.2f} s ({self.samples_per_second[-1]:,.0f} samples/s)")
        return "  ".join(parts)

    def plot(self, path=None, **kwargs):
        """Learning curves: fcnn.plotting.plot_history (needs the extra fcnn[plot])."""
        from .plotting import plot_history

        return plot_history(self, path, **kwargs)

    def plot_gradients(self, path=None, **kwargs):
        """Per-layer gradient norms: fcnn.plotting.plot_gradients (needs fcnn[plot])."""
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
        recorded = [name for name in _SCORES + _PER_LAYER if getattr(self, name)]
        name, value, epoch = self._best()
        return (
            f"History(epochs={self.epochs}, metrics=[{', '.join(recorded)}], "
            f"best {name} {value:.4g} at epoch {epoch})"
        )

    def _repr_html_(self):
        """Jupyter's view: a table of the epochs by their metrics."""
        columns = [name for name in _SCORES if getattr(self, name)] + ["lr", "seconds"]
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
