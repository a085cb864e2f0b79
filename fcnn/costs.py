"""Cost functions C(a, y) of one example; a network's cost is their mean over a batch.

The core computes each cost and its output error delta^L (BP1). The objects here name
the cost and give a NumPy reference of C and dC/da, the tests' oracle.
"""
import numpy as np
from scipy.special import xlogy

from . import _core

__all__ = ["Cost", "Quadratic", "SquaredError", "AbsoluteError", "CrossEntropy",
           "LogLikelihood", "get"]


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
    learning slowdown.
    """

    name = "cross_entropy"
    needs_probabilities = True

    def __call__(self, a, y):
        return -np.sum(xlogy(y, a) + xlogy(1 - y, 1 - a), axis=-1)

    def derivative(self, a, y):
        return (a - y) / (a * (1 - a))


class LogLikelihood(Cost):
    """C = -sum_j y_j ln a_j, which is -ln a_y for a one-hot y.

    With a softmax output the output error is delta^L = a - y (for one-hot y).
    """

    name = "log_likelihood"
    needs_probabilities = True

    def __call__(self, a, y):
        return -np.sum(xlogy(y, a), axis=-1)

    def derivative(self, a, y):
        return -y / a


_BY_NAME = {cls.name: cls for cls in (Quadratic, SquaredError, AbsoluteError, CrossEntropy,
                                      LogLikelihood)}


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
