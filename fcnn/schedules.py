"""Learning-rate schedules, applied between epochs by `Network.fit`: before each epoch the
schedule's `lr(epoch, base_lr)` gives the learning rate for that epoch (0-based) from the
optimizer's base learning rate, after each epoch `observe(epoch, metrics)` receives that
epoch's metrics (only `ReduceOnPlateau` uses them), and `reset()` clears any state at the
start of each fit. `get` turns None, a name or a Schedule into a Schedule.
"""

import math

from ._validation import check_int, check_real

__all__ = [
    "Schedule",
    "Constant",
    "StepDecay",
    "Exponential",
    "InverseScaling",
    "ReduceOnPlateau",
    "get",
]


class Schedule:
    """Base class. `lr(epoch, base_lr)` is the learning rate for the 0-based epoch about to
    run; `observe(epoch, metrics)` is called after each epoch; `reset()` at the start of fit."""

    def lr(self, epoch, base_lr):
        raise NotImplementedError

    def observe(self, epoch, metrics):
        """Receive the metrics of the epoch just finished; the default ignores them."""

    def check_metrics(self, names):
        """Raise ValueError, before training, if `observe` will need a metric that is not
        among `names`, those that the fit measures; the default needs none."""

    def reset(self):
        """Clear any state left from a previous fit; the default has none."""

    def _params(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self._params().items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    """lr = base_lr at every epoch."""

    def lr(self, epoch, base_lr):
        return float(base_lr)


class StepDecay(Schedule):
    """lr = base_lr * gamma ** (epoch // step_size): multiplied by gamma every step_size epochs."""

    def __init__(self, step_size, gamma=0.1):
        self.step_size = check_int(step_size, "step_size", 1)
        self.gamma = check_real(gamma, "gamma", 0, 1, low_open=True)

    def lr(self, epoch, base_lr):
        return base_lr * self.gamma ** (epoch // self.step_size)

    def _params(self):
        return {"step_size": self.step_size, "gamma": self.gamma}


class Exponential(Schedule):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, gamma):
        self.gamma = check_real(gamma, "gamma", 0, 1, low_open=True)

    def lr(self, epoch, base_lr):
        return base_lr * self.gamma**epoch

    def _params(self):
        return {"gamma": self.gamma}


class InverseScaling(Schedule):
    """lr = base_lr / (epoch + 1) ** power, i.e. eta0 / (t + 1)^p with t the epoch."""

    def __init__(self, power=0.5):
        self.power = check_real(power, "power", 0)

    def lr(self, epoch, base_lr):
        return base_lr / (epoch + 1) ** self.power

    def _params(self):
        return {"power": self.power}


class ReduceOnPlateau(Schedule):
    """lr = max(min_lr, base_lr * multiplier), where multiplier starts at 1 and is multiplied
    by factor once the monitored metric has failed to improve for more than `patience`
    epochs in a row. Improvement means metric < best - min_delta (mode "min") or
    metric > best + min_delta (mode "max"), as PyTorch's ReduceLROnPlateau with
    threshold_mode="abs". After a reduction the count of bad epochs starts again from 0.
    mode None means "max" if monitor ends in "accuracy", else "min".
    """

    def __init__(
        self, factor=0.1, patience=10, min_delta=0.0, min_lr=0.0, monitor="val_cost", mode=None
    ):
        self.factor = check_real(factor, "factor", 0, 1, low_open=True, high_open=True)
        self.patience = check_int(patience, "patience", 0)
        self.min_delta = check_real(min_delta, "min_delta", 0)
        self.min_lr = check_real(min_lr, "min_lr", 0)
        if not isinstance(monitor, str):
            raise TypeError(
                f"monitor must be a metric name such as 'val_cost', "
                f"got {type(monitor).__name__} {monitor!r}"
            )
        if not monitor:
            raise ValueError("monitor must be a non-empty metric name such as 'val_cost', got ''")
        self.monitor = monitor
        if mode is None:
            mode = "max" if monitor.endswith("accuracy") else "min"
        elif mode not in ("min", "max"):
            raise ValueError(f"mode must be None, 'min' or 'max', got {mode!r}")
        self.mode = mode
        self.reset()

    def reset(self):
        self.multiplier = 1.0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def check_metrics(self, names):
        if self.monitor not in names:
            hint = (
                " (val_ metrics need validation data passed to fit)"
                if self.monitor.startswith("val_")
                else ""
            )
            raise ValueError(
                f"ReduceOnPlateau monitors {self.monitor!r}, which is not among "
                f"the epoch's metrics {sorted(names)}{hint}"
            )

    def observe(self, epoch, metrics):
        self.check_metrics(metrics)
        value = float(metrics[self.monitor])
        if self._improved(value):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.num_bad_epochs > self.patience:
            self.multiplier *= self.factor
            self.num_bad_epochs = 0

    def lr(self, epoch, base_lr):
        return max(self.min_lr, base_lr * self.multiplier)

    def _params(self):
        return {
            "factor": self.factor,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "min_lr": self.min_lr,
            "monitor": self.monitor,
            "mode": self.mode,
        }


_BY_NAME = {
    "constant": Constant,
    "step": lambda: StepDecay(10),
    "exponential": lambda: Exponential(0.95),
    "inverse_scaling": InverseScaling,
    "plateau": ReduceOnPlateau,
}


def get(schedule):
    """A Schedule from None (Constant), a name such as "step", or a Schedule instance itself."""
    if schedule is None:
        return Constant()
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, str):
        try:
            return _BY_NAME[schedule]()
        except KeyError:
            raise ValueError(
                f"unknown schedule {schedule!r}; expected one of {sorted(_BY_NAME)}"
            ) from None
    raise TypeError(
        "schedule must be None, a name or an fcnn.schedules.Schedule, "
        f"got {type(schedule).__name__}"
    )
