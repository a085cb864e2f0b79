"""What `Network.fit` records, epoch by epoch."""

__all__ = ["History"]


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

    def __repr__(self):
        return f"History(epochs={self.epochs}, cost={self.cost[-1:] or None})"
