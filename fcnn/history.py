"""What `Network.fit` records, epoch by epoch."""

__all__ = ["History"]


class History:
    """Per-epoch records of a `fit`.

    cost            mean running cost of each training epoch (each example's cost taken
                    just before the step that used it)
    val_cost        cost on the validation data after each epoch (when given)
    val_accuracy    accuracy on the validation data after each epoch (for classification)
    seconds         wall time of each training epoch in the core
    samples_per_second
    """

    def __init__(self):
        self.cost = []
        self.val_cost = []
        self.val_accuracy = []
        self.seconds = []
        self.samples_per_second = []

    def record(self, *, cost, seconds, samples, val_cost=None, val_accuracy=None):
        self.cost.append(cost)
        self.seconds.append(seconds)
        self.samples_per_second.append(samples / seconds if seconds > 0 else float("inf"))
        if val_cost is not None:
            self.val_cost.append(val_cost)
        if val_accuracy is not None:
            self.val_accuracy.append(val_accuracy)

    @property
    def epochs(self):
        return len(self.cost)

    def as_dict(self):
        return {"cost": list(self.cost), "val_cost": list(self.val_cost),
                "val_accuracy": list(self.val_accuracy), "seconds": list(self.seconds),
                "samples_per_second": list(self.samples_per_second)}

    def describe_last(self, total_epochs=None):
        """One line for the last epoch, as printed by fit(verbose=True)."""
        epoch = self.epochs
        parts = [f"epoch {epoch}" + (f"/{total_epochs}" if total_epochs else ""),
                 f"cost {self.cost[-1]:.6g}"]
        if len(self.val_cost) == epoch:
            parts.append(f"val_cost {self.val_cost[-1]:.6g}")
        if len(self.val_accuracy) == epoch:
            parts.append(f"val_accuracy {self.val_accuracy[-1]:.4f}")
        parts.append(f"{self.seconds[-1]:.2f} s ({self.samples_per_second[-1]:,.0f} samples/s)")
        return "  ".join(parts)

    def __repr__(self):
        return f"History(epochs={self.epochs}, cost={self.cost[-1:] or None})"
