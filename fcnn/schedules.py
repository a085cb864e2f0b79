"""Learning-rate schedules, applied between epochs by `Network.fit`: before each epoch the
schedule's `lr(epoch, base_lr)` gives the learning rate for that epoch (0-based) from the
optimizer's base learning rate, after each epoch `observe(epoch, metrics)` receives that
epoch's metrics (only `ReduceOnPlateau` uses them), and `reset()` clears any state at the
start of each fit. `get` turns None, a name or a Schedule into a Schedule.

The factors, exponents and learning rates that the schedules take are, if not 0, normal
float64 numbers (at least 2.2e-308): a training epoch treats smaller ones as 0.

Examples
--------
>>> from fcnn import schedules
>>> step = schedules.StepDecay(step_size=2, gamma=0.5)
>>> [step.lr(epoch, 0.8) for epoch in range(5)]
[0.8, 0.8, 0.4, 0.4, 0.2]
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Literal

from ._validation import check_hyperparameter, check_int, check_real

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
    """Base class of the learning-rate schedules.

    `Network.fit` calls `reset` at its start, `lr` before each epoch and `observe` after
    it. A subclass defines `lr`, and `observe`, `check_metrics` and `reset` if it has
    state.

    See Also
    --------
    get : A Schedule from None or a name.
    """

    def lr(self, epoch: int, base_lr: float) -> float:
        """The learning rate for the epoch about to run.

        Parameters
        ----------
        epoch : int
            The 0-based index of the epoch within the fit.
        base_lr : float
            The optimizer's learning rate.

        Returns
        -------
        float
            The learning rate for that epoch.
        """
        raise NotImplementedError

    def observe(self, epoch: int, metrics: Mapping[str, float]) -> None:
        """Receive the metrics of the epoch just finished; the default ignores them.

        Parameters
        ----------
        epoch : int
            The 0-based index of the epoch just finished.
        metrics : mapping of str to float
            Its metrics: "cost", and "accuracy", "val_cost" and "val_accuracy" when
            measured.
        """

    def check_metrics(self, names: Collection[str]) -> None:
        """Check, before training, that `observe` will find the metrics it needs.

        Parameters
        ----------
        names : collection of str
            The names of the metrics that the fit measures.

        Raises
        ------
        ValueError
            If `observe` will need a metric that is not among `names`; the default
            needs none.
        """

    def reset(self) -> None:
        """Clear any state left from a previous fit; the default has none."""

    def _params(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self._params().items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    """The same learning rate at every epoch: lr = base_lr.

    Examples
    --------
    >>> from fcnn.schedules import Constant
    >>> Constant().lr(7, 0.1)
    0.1
    """

    def lr(self, epoch: int, base_lr: float) -> float:
        return float(base_lr)


class StepDecay(Schedule):
    """Multiply the learning rate by gamma every step_size epochs.

    lr = base_lr * gamma ** (epoch // step_size).

    Parameters
    ----------
    step_size : int
        The epochs between reductions, >= 1.
    gamma : float, default=0.1
        The factor, in (0, 1].

    Raises
    ------
    TypeError
        If `step_size` is not an integer or `gamma` not a real number.
    ValueError
        If `step_size` < 1 or `gamma` is outside (0, 1] or below 2.2e-308.

    Examples
    --------
    >>> from fcnn.schedules import StepDecay
    >>> [StepDecay(3, gamma=0.5).lr(epoch, 1.0) for epoch in (0, 2, 3, 6)]
    [1.0, 1.0, 0.5, 0.25]
    """

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_int(step_size, "step_size", 1)
        self.gamma = check_hyperparameter(gamma, "gamma", 0, 1, low_open=True)

    def lr(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)

    def _params(self):
        return {"step_size": self.step_size, "gamma": self.gamma}


class Exponential(Schedule):
    """Multiply the learning rate by gamma every epoch: lr = base_lr * gamma ** epoch.

    Parameters
    ----------
    gamma : float
        The factor, in (0, 1].

    Raises
    ------
    TypeError
        If `gamma` is not a real number.
    ValueError
        If `gamma` is outside (0, 1] or below 2.2e-308.

    Examples
    --------
    >>> from fcnn.schedules import Exponential
    >>> [Exponential(0.5).lr(epoch, 1.0) for epoch in range(4)]
    [1.0, 0.5, 0.25, 0.125]
    """

    def __init__(self, gamma: float) -> None:
        self.gamma = check_hyperparameter(gamma, "gamma", 0, 1, low_open=True)

    def lr(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma**epoch

    def _params(self):
        return {"gamma": self.gamma}


class InverseScaling(Schedule):
    """Divide the learning rate by (epoch + 1) ** power.

    lr = base_lr / (epoch + 1) ** power, i.e. eta0 / (t + 1)^p with t the epoch.

    Parameters
    ----------
    power : float, default=0.5
        The exponent p >= 0.

    Raises
    ------
    TypeError
        If `power` is not a real number.
    ValueError
        If `power` is negative, not finite, or in (0, 2.2e-308).

    Examples
    --------
    >>> from fcnn.schedules import InverseScaling
    >>> [InverseScaling(power=1.0).lr(epoch, 1.0) for epoch in range(4)]
    [1.0, 0.5, 0.3333333333333333, 0.25]
    """

    def __init__(self, power: float = 0.5) -> None:
        self.power = check_hyperparameter(power, "power", 0)

    def lr(self, epoch: int, base_lr: float) -> float:
        return base_lr / (epoch + 1) ** self.power

    def _params(self):
        return {"power": self.power}


class ReduceOnPlateau(Schedule):
    """Reduce the learning rate when a metric has stopped improving.

    lr = max(min_lr, base_lr * multiplier), where multiplier starts at 1 and is multiplied
    by factor once the monitored metric has failed to improve for more than `patience`
    epochs in a row. Improvement means metric < best - min_delta (mode "min") or
    metric > best + min_delta (mode "max"), as PyTorch's ReduceLROnPlateau with
    threshold_mode="abs". After a reduction the count of bad epochs starts again from 0.

    Parameters
    ----------
    factor : float, default=0.1
        The multiplier's factor, in (0, 1).
    patience : int, default=10
        The epochs without improvement that are tolerated, >= 0.
    min_delta : float, default=0.0
        The change that counts as improvement, >= 0.
    min_lr : float, default=0.0
        The lowest learning rate, >= 0.
    monitor : str, default="val_cost"
        The metric watched: "cost", "accuracy", "val_cost" or "val_accuracy" (the
        ``val_`` metrics need validation data passed to fit).
    mode : {"min", "max"} or None, default=None
        Whether the metric improves by falling or rising; None is "max" if `monitor`
        ends in "accuracy", else "min".

    Attributes
    ----------
    multiplier : float
        The factor the base learning rate is multiplied by now.
    best : float
        The best value of the metric so far.
    num_bad_epochs : int
        The epochs without improvement since the best or the last reduction.

    Raises
    ------
    TypeError
        If a number is not of the right kind, or `monitor` is not a str.
    ValueError
        If a number is outside its range (`factor` and, not 0, `min_lr` below
        2.2e-308 too), `monitor` is empty, or `mode` is not None, "min" or "max".

    Examples
    --------
    >>> from fcnn.schedules import ReduceOnPlateau
    >>> schedule = ReduceOnPlateau(factor=0.5, patience=1, monitor="cost")
    >>> for epoch, cost in enumerate([1.0, 0.9, 0.9, 0.9]):
    ...     schedule.observe(epoch, {"cost": cost})
    >>> schedule.lr(4, 0.1)
    0.05
    """

    def __init__(
        self,
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 0.0,
        min_lr: float = 0.0,
        monitor: str = "val_cost",
        mode: Literal["min", "max"] | None = None,
    ) -> None:
        self.factor = check_hyperparameter(factor, "factor", 0, 1, low_open=True, high_open=True)
        self.patience = check_int(patience, "patience", 0)
        self.min_delta = check_real(min_delta, "min_delta", 0)
        self.min_lr = check_hyperparameter(min_lr, "min_lr", 0)
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

    def reset(self) -> None:
        self.multiplier = 1.0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def check_metrics(self, names: Collection[str]) -> None:
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

    def observe(self, epoch: int, metrics: Mapping[str, float]) -> None:
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

    def lr(self, epoch: int, base_lr: float) -> float:
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


def get(
    schedule: Literal["constant", "step", "exponential", "inverse_scaling", "plateau"]
    | Schedule
    | None,
) -> Schedule:
    """A Schedule from None, a name, or a Schedule instance itself.

    Parameters
    ----------
    schedule : str, Schedule or None
        None is ``Constant()``; the names are "constant" (``Constant()``), "step"
        (``StepDecay(10)``), "exponential" (``Exponential(0.95)``), "inverse_scaling"
        (``InverseScaling()``) and "plateau" (``ReduceOnPlateau()``); an instance is
        returned as it is.

    Returns
    -------
    Schedule

    Raises
    ------
    ValueError
        If `schedule` is a str that names no schedule.
    TypeError
        If `schedule` is neither None, a str nor a Schedule.

    Examples
    --------
    >>> from fcnn import schedules
    >>> schedules.get("exponential").gamma
    0.95
    """
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
