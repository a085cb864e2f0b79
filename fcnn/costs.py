"""Cost functions C(a, y) of one example; a network's cost is their mean over a batch.

The core computes each cost and its output error delta^L (BP1). The objects here name
the cost and give a NumPy reference of C and dC/da, the tests' oracle.
"""

import numpy as np
from scipy.special import xlogy

from ._compiled import core as _core

__all__ = [
    "Cost",
    "Quadratic",
    "SquaredError",
    "AbsoluteError",
    "CrossEntropy",
    "LogLikelihood",
    "get",
]


def _ratio(p, q):
    """p / q elementwise, with 0 / q = 0 even for q = 0: the limit that the costs'
    0 ln 0 = 0 gives their derivatives. p / 0 for p > 0 is +inf, without a warning."""
    p, q = np.broadcast_arrays(p, q)
    out = np.zeros(p.shape, dtype=np.result_type(p, q, np.float32))
    with np.errstate(divide="ignore"):
        np.divide(p, q, out=out, where=p != 0)
    return out


def _xlogy(x, y):
    """x ln y with 0 ln 0 = 0; x ln 0 = -inf for x > 0, without a warning."""
    with np.errstate(divide="ignore"):
        return xlogy(x, y)


class Cost:
    """Base class: `name`, the core's `code`, NumPy references of C and dC/da.

    `needs_probabilities`: the cost takes logarithms of the outputs, so the output
    layer must be sigmoid or softmax.
    """

    name = None
    needs_probabilities = False

    @property
    def code(self):
        return _core.COST_CODES[self.name]

    def __call__(self, a, y):
        """C per example (the last axis is the output layer), in NumPy."""
        raise NotImplementedError

    def derivative(self, a, y):
        """dC/da, in NumPy."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


class Quadratic(Cost):
    """C = 1/2 sum_j (a_j - y_j)^2, the notes' default."""

    name = "quadratic"

    def __call__(self, a, y):
        return 0.5 * np.sum((a - y) ** 2, axis=-1)

    def derivative(self, a, y):
        return a - y


class SquaredError(Cost):
    """C = sum_j (a_j - y_j)^2, as in the notes' 2-2-1 example."""

    name = "squared_error"

    def __call__(self, a, y):
        return np.sum((a - y) ** 2, axis=-1)

    def derivative(self, a, y):
        return 2 * (a - y)


class AbsoluteError(Cost):
    """C = sum_j |a_j - y_j|, with dC/da = sign(a - y) (0 at a = y)."""

    name = "absolute_error"

    def __call__(self, a, y):
        return np.sum(np.abs(a - y), axis=-1)

    def derivative(self, a, y):
        return np.sign(a - y)


class CrossEntropy(Cost):
    """C = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)].

    With a sigmoid output the output error is delta^L = a - y: no sigma' factor, so no
    learning slowdown. dC/da_j = (a_j - y_j) / (a_j (1 - a_j)) = -y_j / a_j +
    (1 - y_j) / (1 - a_j), computed in the second form so that a = y in {0, 1} gives the
    limit (1 or -1) rather than 0/0. A sure wrong answer (a = 0 with y = 1) costs +inf.
    """

    name = "cross_entropy"
    needs_probabilities = True

    def __call__(self, a, y):
        return -np.sum(_xlogy(y, a) + _xlogy(1 - y, 1 - a), axis=-1)

    def derivative(self, a, y):
        return _ratio(1 - y, 1 - a) - _ratio(y, a)


class LogLikelihood(Cost):
    """C = -sum_j y_j ln a_j, which is -ln a_y for a one-hot y.

    With a softmax output the output error is delta^L = a - y (for one-hot y).
    dC/da_j = -y_j / a_j, which is 0 where y_j = 0 (even at a_j = 0).
    """

    name = "log_likelihood"
    needs_probabilities = True

    def __call__(self, a, y):
        return -np.sum(_xlogy(y, a), axis=-1)

    def derivative(self, a, y):
        return -_ratio(y, a)


_BY_NAME = {
    cls.name: cls for cls in (Quadratic, SquaredError, AbsoluteError, CrossEntropy, LogLikelihood)
}


def get(cost):
    """A Cost from a name such as "cross_entropy", or a Cost instance itself."""
    if isinstance(cost, Cost):
        return cost
    if isinstance(cost, str):
        try:
            return _BY_NAME[cost]()
        except KeyError:
            raise ValueError(f"unknown cost {cost!r}; expected one of {sorted(_BY_NAME)}") from None
    raise TypeError(f"cost must be a name or an fcnn.costs.Cost, got {type(cost).__name__}")
