"""Cost functions C(a, y) of one example; a network's cost is their mean over a batch.

The core computes each cost and its output error delta^L (BP1). The objects here name
the cost and give a NumPy reference of C and dC/da, the tests' oracle.

Examples
--------
The notes' quadratic cost of one example, whose output a = 0.5123724780 should be 1
(worked example E2):

>>> import numpy as np
>>> from fcnn import costs
>>> costs.get("quadratic")(np.array([[0.512372478]]), np.array([[1.0]])).round(8).tolist()
[0.1188903]
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import xlogy

from . import _compiled

__all__ = [
    "Cost",
    "Quadratic",
    "SquaredError",
    "AbsoluteError",
    "CrossEntropy",
    "LogLikelihood",
    "Poisson",
    "get",
]

CostName = Literal[
    "quadratic", "squared_error", "absolute_error", "cross_entropy", "log_likelihood", "poisson"
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
    """Base class of the costs C(a, y) of one example: a name, the core's code, NumPy
    references of C and dC/da.

    Two costs are equal when they are of the same class.

    Attributes
    ----------
    name : str
        The cost's name, as `get` takes it (None in the base class).
    output_activations : tuple of str or None
        The output activations the cost allows, for a cost that takes logarithms of
        the outputs; None allows any.
    target_range : tuple of (float, float) or None
        The interval [low, high] the targets must lie in, for a cost that takes
        logarithms of them; None for any real targets.
    needs_probabilities : bool
        The cost takes logarithms of the outputs, so the output layer must be sigmoid or
        softmax, and the targets must lie in [0, 1].

    See Also
    --------
    get : A Cost from its name.
    """

    name: str | None = None
    output_activations: tuple[str, ...] | None = None
    target_range: tuple[float, float] | None = None

    @property
    def needs_probabilities(self) -> bool:
        """Whether outputs and targets are probabilities, in [0, 1]."""
        return self.target_range == (0.0, 1.0)

    @property
    def code(self) -> int:
        """The code that selects this cost in the compiled core."""
        return _compiled.core.COST_CODES[self.name]

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        """The cost C of each example, in NumPy: the reference the core is tested against.

        Parameters
        ----------
        a : ndarray of float, shape (n_samples, n_L) or (n_L,)
            The network's outputs a^L; the last axis is the output layer.
        y : ndarray of float, the shape of `a`
            The targets.

        Returns
        -------
        ndarray of float, shape (n_samples,), or a float for one example
            The cost of each example; the network's cost is their mean.
        """
        raise NotImplementedError

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        """The derivative dC/da elementwise, in NumPy: the first factor of BP1.

        Parameters
        ----------
        a : ndarray of float, shape (n_samples, n_L) or (n_L,)
            The network's outputs a^L.
        y : ndarray of float, the shape of `a`
            The targets.

        Returns
        -------
        ndarray of float, the shape of `a`
            The derivative, so that BP1 gives delta^L = dC/da * f'(z^L) for an elementwise f.
        """
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


class Quadratic(Cost):
    """The quadratic cost C = 1/2 sum_j (a_j - y_j)^2, the notes' default; dC/da = a - y.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import Quadratic
    >>> a, y = np.array([[0.5, 1.0]]), np.array([[1.0, 0.0]])
    >>> Quadratic()(a, y)
    array([0.625])
    >>> Quadratic().derivative(a, y)
    array([[-0.5,  1. ]])
    """

    name = "quadratic"

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return 0.5 * np.sum((a - y) ** 2, axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return a - y


class SquaredError(Cost):
    """The squared error C = sum_j (a_j - y_j)^2, as in the notes' 2-2-1 example;
    dC/da = 2 (a - y).

    Examples
    --------
    The notes' 2-2-1 network's output 0.7815107116 for the target 1 (worked example E3):

    >>> import numpy as np
    >>> from fcnn.costs import SquaredError
    >>> a, y = np.array([[0.7815107116]]), np.array([[1.0]])
    >>> SquaredError().derivative(a, y).round(10).tolist()
    [[-0.4369785768]]
    """

    name = "squared_error"

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sum((a - y) ** 2, axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return 2 * (a - y)


class AbsoluteError(Cost):
    """The absolute error ``C = sum_j |a_j - y_j|``; dC/da = sign(a - y), 0 at a = y.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import AbsoluteError
    >>> a, y = np.array([[0.5, 1.0, 2.0]]), np.array([[1.0, 1.0, 0.0]])
    >>> AbsoluteError()(a, y)
    array([2.5])
    >>> AbsoluteError().derivative(a, y)
    array([[-1.,  0.,  1.]])
    """

    name = "absolute_error"

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sum(np.abs(a - y), axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sign(a - y)


class CrossEntropy(Cost):
    """The cross-entropy C = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)].

    Needs outputs in [0, 1] (a sigmoid output layer) and targets in [0, 1].

    Notes
    -----
    With a sigmoid output the output error is delta^L = a - y: no sigma' factor, so no
    learning slowdown. dC/da_j = (a_j - y_j) / (a_j (1 - a_j)) = -y_j / a_j +
    (1 - y_j) / (1 - a_j), computed in the second form so that a = y in {0, 1} gives the
    limit (1 or -1) rather than 0/0. A sure wrong answer (a = 0 with y = 1) costs +inf.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import CrossEntropy
    >>> a, y = np.array([[0.5, 0.0]]), np.array([[1.0, 0.0]])
    >>> print(np.round(CrossEntropy()(a, y), 6))
    [0.693147]
    >>> CrossEntropy().derivative(a, y)
    array([[-2.,  1.]])
    """

    name = "cross_entropy"
    output_activations = ("sigmoid", "softmax")
    target_range = (0.0, 1.0)

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return -np.sum(_xlogy(y, a) + _xlogy(1 - y, 1 - a), axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return _ratio(1 - y, 1 - a) - _ratio(y, a)


class LogLikelihood(Cost):
    """The log-likelihood C = -sum_j y_j ln a_j, which is -ln a_y for a one-hot y.

    Needs outputs in [0, 1] (a softmax output layer) and targets in [0, 1].

    Notes
    -----
    With a softmax output the output error is delta^L = a - y (for one-hot y).
    dC/da_j = -y_j / a_j, which is 0 where y_j = 0 (even at a_j = 0).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import LogLikelihood
    >>> a, y = np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]])
    >>> print(np.round(LogLikelihood()(a, y), 6))
    [0.287682]
    >>> print(np.round(LogLikelihood().derivative(a, y), 6))
    [[-0.       -1.333333]]
    """

    name = "log_likelihood"
    output_activations = ("sigmoid", "softmax")
    target_range = (0.0, 1.0)

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return -np.sum(_xlogy(y, a), axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return -_ratio(y, a)


class Poisson(Cost):
    """The half Poisson deviance C = sum_j [y_j ln(y_j / a_j) - y_j + a_j], with
    0 ln 0 = 0: the cost of scikit-learn's ``MLPRegressor(loss="poisson")``, for counts
    and rates; dC/da = 1 - y / a.

    Needs positive outputs (an exp output layer, or sigmoid or softmax) and targets
    >= 0.

    Notes
    -----
    With an exp output the output error is delta^L = a - y (f' = a cancels y / a), and
    the core computes the cost from z^L as y ln y - y z - y + e^z, finite where e^z has
    rounded to 0. It is ``torch.nn.PoissonNLLLoss(log_input=True, full=False)`` of z^L
    (the negative log-likelihood of a Poisson distribution of mean a, without its ln y!)
    plus y ln y - y, which does not depend on the network, so that C = 0 at a = y.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import Poisson
    >>> a, y = np.array([[2.0, 1.0]]), np.array([[2.0, 0.0]])
    >>> Poisson()(a, y)
    array([1.])
    >>> Poisson().derivative(a, y)
    array([[0., 1.]])
    """

    name = "poisson"
    output_activations = ("exp", "sigmoid", "softmax")
    target_range = (0.0, np.inf)

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sum(_xlogy(y, y) - _xlogy(y, a) - y + a, axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return 1 - _ratio(y, a)


_BY_NAME = {
    cls.name: cls
    for cls in (Quadratic, SquaredError, AbsoluteError, CrossEntropy, LogLikelihood, Poisson)
}


def get(cost: CostName | Cost) -> Cost:
    """A Cost from its name, or a Cost instance itself.

    Parameters
    ----------
    cost : str or Cost
        A name, one of "quadratic", "squared_error", "absolute_error", "cross_entropy",
        "log_likelihood" and "poisson", gives a new instance; an instance is returned as
        it is.

    Returns
    -------
    Cost

    Raises
    ------
    ValueError
        If `cost` is a str that names no cost.
    TypeError
        If `cost` is neither a str nor a Cost.

    Examples
    --------
    >>> from fcnn import costs
    >>> costs.get("cross_entropy").needs_probabilities
    True
    """
    if isinstance(cost, Cost):
        return cost
    if isinstance(cost, str):
        try:
            return _BY_NAME[cost]()
        except KeyError:
            raise ValueError(f"unknown cost {cost!r}; expected one of {sorted(_BY_NAME)}") from None
    raise TypeError(f"cost must be a name or an fcnn.costs.Cost, got {type(cost).__name__}")
