"""Learning-rate schedules, applied by `Network.fit`: before each epoch the schedule's
`lr(epoch, base_lr)` gives the learning rate for that epoch (0-based, counted from the
start of the network's training run, `Network.position`) from the optimizer's base
learning rate, after each epoch `observe(epoch, metrics)` receives that epoch's metrics
(only `ReduceOnPlateau` uses them), and `reset()` clears any state at the start of each
run. `get` turns None, a name or a Schedule into a Schedule.

A schedule with `per_step` True counts mini-batches instead of epochs: before each epoch
`lrs(step, count, base_lr)` gives the rates of its mini-batches, which the compiled core
sets one per mini-batch (no Python call per step). `Linear`, `CosineAnnealing`,
`CosineWarmRestarts` and `OneCycle` give the learning rates of PyTorch's `LinearLR`,
`CosineAnnealingLR`, `CosineAnnealingWarmRestarts` and `OneCycleLR`, step for step and
bit for bit (they do its arithmetic in its order), per epoch or per mini-batch.

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

import numpy as np
from numpy.typing import NDArray

from ._validation import check_bool, check_hyperparameter, check_int, check_real

__all__ = [
    "Schedule",
    "Constant",
    "StepDecay",
    "Exponential",
    "InverseScaling",
    "ReduceOnPlateau",
    "Linear",
    "CosineAnnealing",
    "CosineWarmRestarts",
    "OneCycle",
    "get",
]


class Schedule:
    """Base class of the learning-rate schedules.

    `Network.fit` calls `reset` at its start, `lr` before each epoch and `observe` after
    it. A subclass defines `lr`, and `observe`, `check_metrics` and `reset` if it has
    state. With `per_step` True, `lr` takes the index of a mini-batch instead of an epoch,
    and the fit also calls `lrs` before each epoch.

    Attributes
    ----------
    per_step : bool
        Whether the schedule counts mini-batches rather than epochs; False here.
    steps : int
        Where the last fit given the schedule left it: the mini-batches of the
        network's training run (``Network.position.steps``, which the fit evaluates the
        schedule at, and the model file keeps).

    See Also
    --------
    get : A Schedule from None or a name.
    """

    per_step = False
    steps = 0

    def lr(self, epoch: int, base_lr: float) -> float:
        """The learning rate for the epoch about to run.

        Parameters
        ----------
        epoch : int
            The 0-based index of the epoch within the training run.
        base_lr : float
            The optimizer's learning rate.

        Returns
        -------
        float
            The learning rate for that epoch.
        """
        raise NotImplementedError

    def lrs(self, step: int, count: int, base_lr: float) -> NDArray[np.float64]:
        """The learning rates of `count` mini-batches from the 0-based `step` on, for a
        per-step schedule: `lr` of each.

        Parameters
        ----------
        step : int
            The index of the first of them among the mini-batches of the training run.
        count : int
            How many.
        base_lr : float
            The optimizer's learning rate.

        Returns
        -------
        ndarray of float64, shape (count,)
        """
        return np.array([self.lr(step + i, base_lr) for i in range(count)], dtype=np.float64)

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


class _Recurrence(Schedule):
    """A schedule whose every rate follows from the one before, as PyTorch computes it
    (so that each step's rounding carries on as in PyTorch): the rates so far are kept,
    computed once for a base learning rate."""

    _base: float | None = None
    _rates: list[float]

    def _first(self, base_lr: float) -> float:
        raise NotImplementedError

    def _next(self, t: int, previous: float, base_lr: float) -> float:
        raise NotImplementedError

    def lr(self, epoch: int, base_lr: float) -> float:
        if self._base != base_lr:
            self._base, self._rates = base_lr, [self._first(base_lr)]
        rates = self._rates
        while len(rates) <= epoch:
            rates.append(self._next(len(rates), rates[-1], base_lr))
        return rates[epoch]


class Linear(_Recurrence):
    """Scale the learning rate by a factor going linearly from start_factor to end_factor
    over total_iters steps, then end_factor: a linear warm-up (or decay).

    lr = base_lr * (start_factor + (end_factor - start_factor) * min(t, total_iters) /
    total_iters) at step t (an epoch, or a mini-batch with `per_step`), computed as
    PyTorch's ``LinearLR`` computes it, each rate from the one before, to the same bits.

    Parameters
    ----------
    start_factor : float, default=1/3
        The factor at step 0, in (0, 1].
    end_factor : float, default=1.0
        The factor from step total_iters on, in [0, 1].
    total_iters : int, default=5
        The steps of the ramp, >= 0.
    per_step : bool, default=False
        Count mini-batches rather than epochs.

    Raises
    ------
    TypeError
        If a parameter is not of the right kind.
    ValueError
        If a parameter is outside its range (a factor, not 0, below 2.2e-308 too).

    Examples
    --------
    >>> from fcnn.schedules import Linear
    >>> warmup = Linear(start_factor=0.25, total_iters=3)
    >>> [warmup.lr(epoch, 1.0) for epoch in range(5)]
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(
        self,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        per_step: bool = False,
    ) -> None:
        self.start_factor = check_hyperparameter(start_factor, "start_factor", 0, 1, low_open=True)
        self.end_factor = check_hyperparameter(end_factor, "end_factor", 0, 1)
        self.total_iters = check_int(total_iters, "total_iters", 0)
        self.per_step = check_bool(per_step, "per_step")

    def lr(self, epoch: int, base_lr: float) -> float:
        return super().lr(min(epoch, self.total_iters), base_lr)

    def _first(self, base_lr: float) -> float:
        return base_lr * self.start_factor

    def _next(self, t: int, previous: float, base_lr: float) -> float:
        change = self.end_factor - self.start_factor
        return previous * (1.0 + change / (self.total_iters * self.start_factor + (t - 1) * change))

    def _params(self):
        return {
            "start_factor": self.start_factor,
            "end_factor": self.end_factor,
            "total_iters": self.total_iters,
            "per_step": self.per_step,
        }


class CosineAnnealing(_Recurrence):
    """Anneal the learning rate from base_lr to eta_min along half a cosine over T_max
    steps, and back up over the next T_max, and so on.

    lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2 at step t (an
    epoch, or a mini-batch with `per_step`), computed as PyTorch's ``CosineAnnealingLR``
    computes it, each rate from the one before, to the same bits.

    Parameters
    ----------
    T_max : int
        The steps from base_lr down to eta_min, >= 1.
    eta_min : float, default=0.0
        The lowest learning rate, >= 0.
    per_step : bool, default=False
        Count mini-batches rather than epochs.

    Raises
    ------
    TypeError
        If a parameter is not of the right kind.
    ValueError
        If a parameter is outside its range (`eta_min`, not 0, below 2.2e-308 too).

    Examples
    --------
    >>> from fcnn.schedules import CosineAnnealing
    >>> [round(CosineAnnealing(T_max=4).lr(epoch, 1.0), 4) for epoch in range(6)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.1464]
    """

    def __init__(self, T_max: int, eta_min: float = 0.0, per_step: bool = False) -> None:
        self.T_max = check_int(T_max, "T_max", 1)
        self.eta_min = check_hyperparameter(eta_min, "eta_min", 0)
        self.per_step = check_bool(per_step, "per_step")

    def _first(self, base_lr: float) -> float:
        return base_lr

    def _next(self, t: int, previous: float, base_lr: float) -> float:
        T_max, eta_min = self.T_max, self.eta_min
        if (t - 1 - T_max) % (2 * T_max) == 0:  # the step after the lowest: no 0/0
            return previous + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        return (1 + math.cos(math.pi * t / T_max)) / (1 + math.cos(math.pi * (t - 1) / T_max)) * (
            previous - eta_min
        ) + eta_min

    def _params(self):
        return {"T_max": self.T_max, "eta_min": self.eta_min, "per_step": self.per_step}


class CosineWarmRestarts(Schedule):
    """Cosine annealing from base_lr to eta_min that restarts from base_lr after T_0
    steps, then after T_0 * T_mult more, and so on (SGDR, Loshchilov and Hutter 2017).

    lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2 at step t (an
    epoch, or a mini-batch with `per_step`), T_cur the steps since the last restart and
    T_i the length of the current cycle; as PyTorch's ``CosineAnnealingWarmRestarts``
    stepped without an epoch argument, to the same bits.

    Parameters
    ----------
    T_0 : int
        The steps of the first cycle, >= 1.
    T_mult : int, default=1
        The factor by which each cycle is longer than the one before, >= 1.
    eta_min : float, default=0.0
        The lowest learning rate, >= 0.
    per_step : bool, default=False
        Count mini-batches rather than epochs.

    Raises
    ------
    TypeError
        If a parameter is not of the right kind.
    ValueError
        If a parameter is outside its range (`eta_min`, not 0, below 2.2e-308 too).

    Examples
    --------
    >>> from fcnn.schedules import CosineWarmRestarts
    >>> schedule = CosineWarmRestarts(T_0=2, T_mult=2)
    >>> [round(schedule.lr(epoch, 1.0), 4) for epoch in range(7)]
    [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
    """

    def __init__(
        self, T_0: int, T_mult: int = 1, eta_min: float = 0.0, per_step: bool = False
    ) -> None:
        self.T_0 = check_int(T_0, "T_0", 1)
        self.T_mult = check_int(T_mult, "T_mult", 1)
        self.eta_min = check_hyperparameter(eta_min, "eta_min", 0)
        self.per_step = check_bool(per_step, "per_step")

    def lr(self, epoch: int, base_lr: float) -> float:
        T_cur, T_i = epoch, self.T_0
        if self.T_mult == 1:
            T_cur = epoch % T_i
        while T_cur >= T_i:
            T_cur, T_i = T_cur - T_i, T_i * self.T_mult
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2

    def _params(self):
        return {
            "T_0": self.T_0,
            "T_mult": self.T_mult,
            "eta_min": self.eta_min,
            "per_step": self.per_step,
        }


class OneCycle(Schedule):
    """The one-cycle policy (Smith and Topin 2019): the learning rate rises from
    max_lr / div_factor to max_lr over the first pct_start of total_steps, then falls to
    max_lr / div_factor / final_div_factor; with three_phase, it falls back to
    max_lr / div_factor over as many steps before that last fall.

    As PyTorch's ``OneCycleLR`` with ``cycle_momentum=False`` (the momentum is not
    cycled), to the same bits. It ignores the optimizer's learning rate but for
    ``max_lr=None``. Per mini-batch by default, as in PyTorch; step total_steps is the
    last it allows.

    Parameters
    ----------
    max_lr : float or None, default=None
        The highest learning rate, > 0; None is the optimizer's learning rate.
    total_steps : int or None, default=None
        The steps of the cycle, >= 1; None is epochs * steps_per_epoch.
    epochs, steps_per_epoch : int or None, default=None
        With total_steps None, both >= 1.
    pct_start : float, default=0.3
        The share of the steps spent rising, in [0, 1].
    anneal_strategy : {"cos", "linear"}, default="cos"
        How the rate goes between its ends in each phase.
    div_factor : float, default=25.0
        max_lr over the initial learning rate, > 0.
    final_div_factor : float, default=1e4
        The initial learning rate over the last one, > 0.
    three_phase : bool, default=False
        Fall back to the initial rate before falling to the last one.
    per_step : bool, default=True
        Count mini-batches rather than epochs.

    Raises
    ------
    TypeError
        If a parameter is not of the right kind.
    ValueError
        If a parameter is outside its range, total_steps and (epochs, steps_per_epoch)
        are both or neither given, or pct_start gives a phase no length; from `lr`,
        for a step after total_steps.

    Examples
    --------
    >>> from fcnn.schedules import OneCycle
    >>> schedule = OneCycle(max_lr=1.0, total_steps=5, pct_start=0.4, div_factor=4.0,
    ...                     final_div_factor=2.0, anneal_strategy="linear")
    >>> [schedule.lr(step, 0.1) for step in range(5)]
    [0.25, 1.0, 0.7083333333333334, 0.41666666666666674, 0.125]
    """

    def __init__(
        self,
        max_lr: float | None = None,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        per_step: bool = True,
    ) -> None:
        if max_lr is not None:
            max_lr = check_hyperparameter(max_lr, "max_lr", 0, low_open=True)
        self.max_lr = max_lr
        if (total_steps is None) == (epochs is None or steps_per_epoch is None):
            raise ValueError("OneCycle takes total_steps, or epochs and steps_per_epoch")
        if total_steps is None:
            total_steps = check_int(epochs, "epochs", 1) * check_int(
                steps_per_epoch, "steps_per_epoch", 1
            )
        self.total_steps = check_int(total_steps, "total_steps", 1)
        self.pct_start = check_real(pct_start, "pct_start", 0, 1)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.div_factor = check_hyperparameter(div_factor, "div_factor", 0, low_open=True)
        self.final_div_factor = check_hyperparameter(
            final_div_factor, "final_div_factor", 0, low_open=True
        )
        self.three_phase = check_bool(three_phase, "three_phase")
        self.per_step = check_bool(per_step, "per_step")
        rise = float(self.pct_start * self.total_steps) - 1
        ends = [rise, float(2 * self.pct_start * self.total_steps) - 2] if three_phase else [rise]
        ends.append(self.total_steps - 1)
        if any(end == start for start, end in zip([0.0] + ends, ends)):  # PyTorch: 0/0
            raise ValueError(
                f"pct_start={self.pct_start} gives a phase of the {self.total_steps} steps "
                "no length"
            )
        self._ends = ends

    def lr(self, epoch: int, base_lr: float) -> float:
        if epoch > self.total_steps:
            raise ValueError(f"OneCycle has {self.total_steps} steps, asked for step {epoch}")
        top = base_lr if self.max_lr is None else self.max_lr
        initial = top / self.div_factor
        ends = [initial, top, initial, initial / self.final_div_factor]
        if not self.three_phase:
            del ends[2]
        start_step = 0.0
        for i, end_step in enumerate(self._ends):
            if epoch <= end_step or i == len(self._ends) - 1:
                break
            start_step = end_step
        pct = (epoch - start_step) / (end_step - start_step)
        start, end = ends[i], ends[i + 1]
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _params(self):
        return {
            "max_lr": self.max_lr,
            "total_steps": self.total_steps,
            "pct_start": self.pct_start,
            "anneal_strategy": self.anneal_strategy,
            "div_factor": self.div_factor,
            "final_div_factor": self.final_div_factor,
            "three_phase": self.three_phase,
            "per_step": self.per_step,
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
